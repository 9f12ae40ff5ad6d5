package dev.spl.cli.client;

import java.nio.file.Path;

/** The files a daemon's home holds that the CLI reads or writes. */
public record HomeLayout(Path home) {
  /** Written by the daemon once it listens: the URL it can be reached at. */
  public Path endpointFile() {
    return home.resolve("endpoint");
  }

  /** The pid of the daemon process serving this home. */
  public Path pidFile() {
    return home.resolve("daemon.pid");
  }

  /** Standard output and error of a daemon started in the background. */
  public Path logFile() {
    return home.resolve("daemon.log");
  }
}
