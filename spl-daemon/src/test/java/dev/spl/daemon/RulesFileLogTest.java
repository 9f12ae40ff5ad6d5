package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.control.ControlGate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What is wrong with the home's rules.json is logged when the daemon starts. */
class RulesFileLogTest {
  @TempDir Path home;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final ch.qos.logback.classic.Logger gateLog =
      (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(ControlGate.class);

  @BeforeEach
  void capture() {
    gateLog.setLevel(Level.INFO);
    logged.start();
    gateLog.addAppender(logged);
  }

  @AfterEach
  void release() {
    gateLog.detachAppender(logged);
    gateLog.setLevel(null);
  }

  private List<String> startWith(String rules) throws Exception {
    Files.writeString(home.resolve("rules.json"), rules);
    try (Daemon daemon = Daemon.start(DaemonConfig.builder(home).port(0).build())) {
      return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  @Test
  void skippedEntriesAndRulesThatDoNotCompileAreLogged() throws Exception {
    List<String> lines =
        startWith(
            "[{\"name\":\"ok_rule\",\"expression\":\"record.act == 'CALL'\"},"
                + "{\"name\":\"painted\",\"expression\":\"true\",\"colour\":\"red\"},"
                + "{\"name\":\"broken\",\"expression\":\"recrd.act == 'CALL'\"}]");

    assertThat(lines)
        .anyMatch(line -> line.contains("rules.json[1].colour: unknown key"))
        .anyMatch(line -> line.contains("rule 'broken' is not in force: expression at 1:1"))
        .anyMatch(line -> line.contains("1 rule(s) loaded"));
  }

  @Test
  void aFileThatDoesNotParseIsLogged() throws Exception {
    assertThat(startWith("{not json"))
        .anyMatch(line -> line.contains("expected a JSON array of rules but it does not parse"));
  }
}
