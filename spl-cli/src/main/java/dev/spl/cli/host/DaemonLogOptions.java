package dev.spl.cli.host;

import dev.spl.cli.CliException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * How much a daemon logs and, when it logs to a file, when the file is rotated: options of {@code
 * spl daemon run|start}. They are not settings kept in the home: a restart with another level needs
 * no {@code --reconfigure}. CLI types only, like {@link DaemonRunOptions}; {@code ForegroundDaemon}
 * hands them to the daemon's logging. Null means not given.
 */
public final class DaemonLogOptions {
  /** The largest number of rotated files: the daemon's limit, logback's fixed window. */
  public static final int MAX_KEEP = 20;

  public static final long DEFAULT_MAX_SIZE = 10L * 1024 * 1024;
  public static final int DEFAULT_KEEP = 5;

  /** The levels a daemon logs at, least to most. */
  public enum LogLevel {
    ERROR,
    WARN,
    INFO,
    DEBUG,
    TRACE
  }

  @Option(
      names = "--log-level",
      paramLabel = "error|warn|info|debug|trace",
      description =
          "What the daemon logs (default info); Jetty and Javalin log warnings and errors only"
              + " below warn.")
  LogLevel level;

  @Option(
      names = "--log-max-size",
      paramLabel = "SIZE",
      converter = SizeConverter.class,
      description =
          "Rotate the log file when it passes SIZE: bytes, or with KB, MB or GB (1024-based;"
              + " default 10MB).")
  Long maxSize;

  @Option(
      names = "--log-keep",
      paramLabel = "N",
      description =
          "Rotated log files kept: daemon.log.1 (the newest) to daemon.log.N (default 5, at most "
              + MAX_KEEP
              + ").")
  Integer keep;

  /**
   * Checks the values; {@code toFile} says whether the log goes to a file, where size and keep
   * apply.
   */
  public void validate(boolean toFile, String fileOption) {
    if (keep != null && (keep < 1 || keep > MAX_KEEP)) {
      throw CliException.badInput("--log-keep: expected 1.." + MAX_KEEP + " but found " + keep);
    }
    if (!toFile && (maxSize != null || keep != null)) {
      throw CliException.badInput(
          (maxSize != null ? "--log-max-size" : "--log-keep")
              + ": applies to a log file, but this daemon logs to standard error; give "
              + fileOption
              + ", or start it with `spl daemon start` (which logs to <home>/daemon.log)");
    }
  }

  /** The level given, or null. */
  public String levelName() {
    return level == null ? null : level.name();
  }

  public long maxSizeOrDefault() {
    return maxSize == null ? DEFAULT_MAX_SIZE : maxSize;
  }

  public int keepOrDefault() {
    return keep == null ? DEFAULT_KEEP : keep;
  }

  /** Whether any option was given. */
  public boolean given() {
    return level != null || maxSize != null || keep != null;
  }

  /** The options given, as {@code spl daemon run} arguments. */
  public List<String> toArguments() {
    List<String> args = new ArrayList<>();
    if (level != null) {
      args.add("--log-level");
      args.add(level.name().toLowerCase(Locale.ROOT));
    }
    if (maxSize != null) {
      args.add("--log-max-size");
      args.add(maxSize.toString());
    }
    if (keep != null) {
      args.add("--log-keep");
      args.add(keep.toString());
    }
    return args;
  }

  /** {@code 1048576}, {@code 512KB}, {@code 10MB}, {@code 1GB} (1024-based) into bytes. */
  public static final class SizeConverter implements ITypeConverter<Long> {
    private static final Pattern SIZE =
        Pattern.compile("(\\d{1,12})\\s*(KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    @Override
    public Long convert(String value) {
      Matcher matcher = SIZE.matcher(value.trim());
      if (!matcher.matches()) {
        throw new TypeConversionException(
            "expected a size like 1048576, 512KB, 10MB or 1GB but found '" + value + "'");
      }
      long number = Long.parseLong(matcher.group(1));
      String unit = matcher.group(2) == null ? "" : matcher.group(2).toUpperCase(Locale.ROOT);
      long bytes =
          switch (unit) {
            case "KB" -> number << 10;
            case "MB" -> number << 20;
            case "GB" -> number << 30;
            default -> number;
          };
      if (bytes < 1024) {
        throw new TypeConversionException(
            "expected at least 1KB (1024 bytes) but found '" + value + "'");
      }
      return bytes;
    }
  }
}
