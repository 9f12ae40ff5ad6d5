package dev.spl.cli.text;

/**
 * How a command prints its result: aligned text for people, JSON for scripts, or JSON lines (each
 * value on one line; a command that lists many things, such as {@code spl task results}, streams
 * one item a line).
 */
public enum OutputFormat {
  TEXT,
  JSON,
  JSONL
}
