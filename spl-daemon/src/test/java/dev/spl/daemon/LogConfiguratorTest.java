package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class LogConfiguratorTest {
  @Test
  void isTheConfiguratorLogbackFinds() {
    assertThat(
            ServiceLoader.load(Configurator.class).stream()
                .map(provider -> provider.type().getName())
                .collect(Collectors.toList()))
        .contains(LogConfigurator.class.getName());
  }

  @Test
  void linesGoToStandardErrorWithJettyAndJavalinAtWarn() {
    LoggerContext context = new LoggerContext();
    LogConfigurator.apply(context);
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    assertThat(context.getLogger("org.eclipse.jetty").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.javalin").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("dev.spl.daemon.Daemon").getEffectiveLevel())
        .isEqualTo(Level.INFO);
    var appender = (ConsoleAppender<?>) root.getAppender("STDERR");
    assertThat(appender).isNotNull();
    assertThat(appender.isStarted()).isTrue();
    assertThat(appender.getTarget()).isEqualTo("System.err");
    assertThat(((PatternLayoutEncoder) appender.getEncoder()).getPattern())
        .isEqualTo("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg%n");
  }

  @Test
  void aLogbackTestFileOnTheClassPathWins() {
    // This module's tests have one, so logback reads it instead.
    assertThat(getClass().getClassLoader().getResource("logback-test.xml")).isNotNull();
    assertThat(new LogConfigurator().configure(new LoggerContext()))
        .isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
  }
}
