package dev.spl.cli.text;

/** How a command prints its result: aligned text for people, JSON for scripts. */
public enum OutputFormat {
  TEXT,
  JSON
}
