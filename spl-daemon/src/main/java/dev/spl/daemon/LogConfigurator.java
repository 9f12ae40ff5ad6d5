package dev.spl.daemon;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The daemon's logging until its options say otherwise ({@link DaemonLog}), set up in code: lines
 * to standard error, Jetty and Javalin at WARN, the rest at INFO. Reading the same set-up from an
 * XML file takes a quarter of a second of every daemon start. A configuration file named by {@code
 * -Dlogback.configurationFile}, or a {@code logback-test.xml} on the class path, still wins:
 * logback then reads it as usual.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || LogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    apply(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  static void apply(LoggerContext context) {
    DaemonLog.apply(context, DaemonLog.Settings.defaults());
  }
}
