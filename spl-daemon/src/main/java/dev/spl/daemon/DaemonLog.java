package dev.spl.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a daemon logs and how much: standard error, or a file rotated by size with logback's
 * RollingFileAppender ({@code daemon.log}, then {@code daemon.log.1} the newest rotated file up to
 * {@code daemon.log.N}); the level of spl's loggers and of the root. Jetty and Javalin stay at WARN
 * at the chattier levels: their DEBUG is a flood about every connection.
 */
public final class DaemonLog {
  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg%n";

  /** The most rotated files kept: the limit of logback's fixed window. */
  public static final int MAX_KEEP = 20;

  /**
   * How to log. {@code file} null: standard error, and the size and count do not apply. Levels are
   * logback's names (ERROR, WARN, INFO, DEBUG, TRACE).
   */
  public record Settings(String level, Path file, long maxFileBytes, int keep) {
    public Settings {
      Level parsed = Level.toLevel(level, null);
      if (parsed == null || parsed == Level.OFF || parsed == Level.ALL) {
        throw new IllegalArgumentException(
            "log level: expected error, warn, info, debug or trace but found '" + level + "'");
      }
      if (file != null && maxFileBytes < 1) {
        throw new IllegalArgumentException(
            "log file size: expected a positive number of bytes but found " + maxFileBytes);
      }
      if (file != null && (keep < 1 || keep > MAX_KEEP)) {
        throw new IllegalArgumentException(
            "rotated log files: expected 1.." + MAX_KEEP + " but found " + keep);
      }
    }

    /** Standard error at INFO: what a daemon does unless told otherwise. */
    public static Settings defaults() {
      return new Settings("INFO", null, 0, 0);
    }
  }

  private DaemonLog() {}

  /**
   * Replaces the logging of this process with {@code settings}, whatever configured it before
   * (options given to a daemon win over a configuration file on the class path).
   */
  public static void configure(Settings settings) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    apply(context, settings);
  }

  /** Sets up {@code context} from scratch; also for contexts of their own in tests. */
  static void apply(LoggerContext context, Settings settings) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    OutputStreamAppender<ILoggingEvent> appender =
        settings.file() == null ? stderr(context) : rolling(context, settings);
    appender.setEncoder(encoder);
    appender.start();
    Level level = Level.toLevel(settings.level().toUpperCase(Locale.ROOT));
    Level libraries = level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN;
    context.getLogger("org.eclipse.jetty").setLevel(libraries);
    context.getLogger("io.javalin").setLevel(libraries);
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    root.addAppender(appender);
  }

  private static ConsoleAppender<ILoggingEvent> stderr(LoggerContext context) {
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    return stderr;
  }

  private static RollingFileAppender<ILoggingEvent> rolling(
      LoggerContext context, Settings settings) {
    String file = settings.file().toString();
    PrivateRollingFileAppender appender = new PrivateRollingFileAppender();
    appender.setContext(context);
    appender.setName("FILE");
    appender.setFile(file);
    appender.setAppend(true);
    FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
    rolling.setContext(context);
    rolling.setParent(appender);
    rolling.setFileNamePattern(file + ".%i");
    rolling.setMinIndex(1);
    rolling.setMaxIndex(settings.keep());
    rolling.start();
    SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
    trigger.setContext(context);
    trigger.setMaxFileSize(new FileSize(settings.maxFileBytes()));
    // The size is looked at once a second (logback's default: once a minute), so a burst of
    // lines overshoots the size by a second's worth at most; a file length a second costs nothing.
    trigger.setCheckIncrement(ch.qos.logback.core.util.Duration.buildBySeconds(1));
    trigger.start();
    appender.setRollingPolicy(rolling);
    appender.setTriggeringPolicy(trigger);
    return appender;
  }

  /**
   * Creates each log file it opens readable by its owner only, like every file spl writes in a
   * home, whatever the umask: the first one and each new one after a rotation.
   */
  static final class PrivateRollingFileAppender extends RollingFileAppender<ILoggingEvent> {
    @Override
    public void openFile(String fileName) throws IOException {
      Path path = Path.of(fileName);
      try {
        Files.createFile(
            path,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (FileAlreadyExistsException e) {
        // Kept as it is: spl created it private, or the operator chose its permissions.
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: its own defaults apply.
      }
      super.openFile(fileName);
    }
  }
}
