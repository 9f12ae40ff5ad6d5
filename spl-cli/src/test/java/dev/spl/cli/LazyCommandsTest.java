package dev.spl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code spl} builds the model of the command being run only; running with that partial model must
 * behave exactly as with the whole command line.
 */
class LazyCommandsTest {
  @TempDir Path home;

  @Test
  void eachCommandNameMatchesItsAnnotation() {
    for (Map.Entry<String, Class<?>> command : Spl.COMMANDS.entrySet()) {
      Command annotation = command.getValue().getAnnotation(Command.class);
      assertThat(annotation).as(command.getValue().getName()).isNotNull();
      assertThat(annotation.name()).as(command.getValue().getName()).isEqualTo(command.getKey());
    }
  }

  @Test
  void eachSubcommandNameMatchesItsAnnotation() {
    for (String group : Spl.COMMANDS.keySet()) {
      for (Map.Entry<String, Class<?>> sub : Spl.subcommandsOf(group).entrySet()) {
        Command annotation = sub.getValue().getAnnotation(Command.class);
        assertThat(annotation).as(sub.getValue().getName()).isNotNull();
        assertThat(annotation.name()).as(sub.getValue().getName()).isEqualTo(sub.getKey());
        assertThat(annotation.subcommands()).as(sub.getValue().getName()).isEmpty();
      }
      assertThat(Spl.COMMANDS.get(group).getAnnotation(Command.class).subcommands())
          .as("subcommands of %s are declared in its SUBCOMMANDS, not its annotation", group)
          .isEmpty();
    }
  }

  @Test
  void aNamedSubcommandGetsOnlyItsOwnModel() {
    assertThat(Spl.subcommandsNeeded("fleet", "status"))
        .isEqualTo(Map.of("fleet", Set.of("status")));
    assertThat(Spl.subcommandsNeeded("--home", "h", "-o", "json", "task", "list", "--all"))
        .isEqualTo(Map.of("task", Set.of("list")));
    assertThat(Spl.subcommandsNeeded("records", "list", "--help"))
        .isEqualTo(Map.of("records", Set.of("list")));
  }

  @Test
  void helpAndUnknownSubcommandsGetEverySubcommand() {
    assertThat(Spl.subcommandsOf("fleet")).containsKeys("start", "status", "stop");
    assertThat(Spl.subcommandsNeeded("fleet")).isEmpty();
    assertThat(Spl.subcommandsNeeded("fleet", "--help")).isEmpty();
    assertThat(Spl.subcommandsNeeded("fleet", "stauts")).isEmpty();
    assertThat(Spl.subcommandsNeeded("fleet", "--home", "h", "status")).isEmpty();
    assertThat(Spl.subcommandsNeeded("help", "fleet")).isEmpty();
    assertThat(Spl.subcommandsNeeded("kill", "docs")).isEmpty();
    assertThat(Spl.subcommandsNeeded("--version")).isEmpty();
  }

  @Test
  void aNamedCommandGetsOnlyItsOwnModel() {
    assertThat(Spl.commandsNeeded("records", "list")).containsExactly("records");
    assertThat(Spl.commandsNeeded("--home", "fleet", "daemon", "status")).containsExactly("daemon");
    assertThat(Spl.commandsNeeded("-o", "json", "--url", "http://x", "fleet", "list"))
        .containsExactly("fleet");
    assertThat(Spl.commandsNeeded("-ojson", "--home=/h", "--debug", "task", "show"))
        .containsExactly("task");
    assertThat(Spl.commandsNeeded("--version")).isEmpty();
    assertThat(Spl.commandsNeeded()).isEmpty();
  }

  @Test
  void helpAndUnknownNamesGetEveryCommand() {
    Set<String> all = Spl.COMMANDS.keySet();
    assertThat(Spl.commandsNeeded("--help")).isEqualTo(all);
    assertThat(Spl.commandsNeeded("-h", "records")).isEqualTo(all);
    assertThat(Spl.commandsNeeded("help", "records")).isEqualTo(all);
    assertThat(Spl.commandsNeeded("recrods", "list")).isEqualTo(all);
    assertThat(Spl.commandsNeeded("--bogus", "records")).isEqualTo(all);
    assertThat(Spl.commandsNeeded("--", "records")).isEqualTo(all);
  }

  @Test
  void helpErrorsAndSuggestionsAreThoseOfTheWholeCommandLine() {
    String h = home.toString();
    List<String[]> runs =
        List.of(
            new String[] {},
            new String[] {"--version"},
            new String[] {"-o", "json", "--version"},
            new String[] {"--help"},
            new String[] {"-h", "records"},
            new String[] {"help"},
            new String[] {"help", "fleet"},
            new String[] {"recrods", "list"},
            new String[] {"--bogus"},
            new String[] {"records"},
            new String[] {"records", "--help"},
            new String[] {"records", "lsit"},
            new String[] {"records", "list", "--bogus"},
            new String[] {"records", "get", "--help"},
            new String[] {"records", "list", "--help"},
            new String[] {"fleet"},
            new String[] {"fleet", "--help"},
            new String[] {"fleet", "stauts"},
            new String[] {"fleet", "status", "--bogus"},
            new String[] {"fleet", "status", "--help"},
            new String[] {"fleet", "stop", "--help"},
            new String[] {"task", "list", "--bogus"},
            new String[] {"task", "fan-out", "--help"},
            new String[] {"routes", "add", "--help"},
            new String[] {"rules", "list", "extra"},
            new String[] {"daemon", "--help"},
            new String[] {"--home", h, "daemon", "run", "--help"},
            new String[] {"--home", h, "daemon", "start", "--port", "x"},
            new String[] {"--home", h, "daemon", "status", "-V"},
            new String[] {"fleet", "start", "--help"},
            new String[] {"fleet", "start", "--workers", "0", "--home", h},
            new String[] {"-o", "yaml", "fleet", "list"},
            new String[] {"task", "--help"},
            new String[] {"task", "add", "--help"},
            new String[] {"task", "add", "--priority", "urgent", "t"},
            new String[] {"kill", "--help"},
            new String[] {"unkill", "--help"},
            new String[] {"rules", "add", "--help"},
            new String[] {"demo", "--help"});
    for (String[] args : runs) {
      CliRun whole = runWhole(args);
      CliRun partial = CliRun.run(CliRun.cleanEnv(), args);
      assertThat(partial).as(String.join(" ", args)).isEqualTo(whole);
    }
  }

  @Test
  void theWholeCommandLineHasEveryCommand() {
    CommandLine whole =
        Spl.commandLine(
            new PrintStream(java.io.OutputStream.nullOutputStream()),
            new PrintStream(java.io.OutputStream.nullOutputStream()),
            CliRun.cleanEnv());
    assertThat(whole.getSubcommands().keySet()).containsExactlyElementsOf(Spl.COMMANDS.keySet());
    for (String group : Spl.COMMANDS.keySet()) {
      assertThat(whole.getSubcommands().get(group).getSubcommands().keySet())
          .as(group)
          .containsExactlyElementsOf(Spl.subcommandsOf(group).keySet());
    }
  }

  private static CliRun runWhole(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      int code =
          Spl.commandLine(new ByteArrayInputStream(new byte[0]), o, e, CliRun.cleanEnv())
              .execute(args);
      return new CliRun(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }
}
