package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandTemplateTest {
  private static final String OPTION = "--command-template";

  @Test
  void wordsSplitOnBlanksAndQuotesKeepBlanks() {
    CommandTemplate template =
        CommandTemplate.parse(OPTION, "my-agent  --title 'two words' \"say \\\"hi\\\"\" a\\ b ''");

    assertThat(template.render(Map.of()))
        .containsExactly("my-agent", "--title", "two words", "say \"hi\"", "a b", "");
  }

  @Test
  void eachPlaceholderFillsItsWordAndNothingElse() {
    CommandTemplate template =
        CommandTemplate.parse(
            OPTION, "my-agent --prompt-file {{prompt_file}} --max-cost={{budget}} {{goal}}");
    String hostile = "x'; rm -rf / #\" $(touch pwned) `id` {{budget}}\n--flag";

    assertThat(
            template.render(
                Map.of("prompt_file", "/w/prompt-1.md", "budget", "0.50", "goal", hostile)))
        .containsExactly("my-agent", "--prompt-file", "/w/prompt-1.md", "--max-cost=0.50", hostile);
    assertThat(template.uses("budget")).isTrue();
    assertThat(template.uses("index")).isFalse();
  }

  @Test
  void aPlaceholderWithoutAValueBecomesEmpty() {
    CommandTemplate template = CommandTemplate.parse(OPTION, "agent --max-cost {{budget}}");

    assertThat(template.render(Map.of())).containsExactly("agent", "--max-cost", "");
  }

  @Test
  void singleQuotesKeepBracesLiterally() {
    CommandTemplate template = CommandTemplate.parse(OPTION, "agent '{{goal}}' {{ index }}");

    assertThat(template.render(Map.of("goal", "G", "index", "3")))
        .containsExactly("agent", "{{goal}}", "3");
  }

  @Test
  void anUnknownPlaceholderIsRefusedWithTheKnownOnes() {
    assertThatThrownBy(() -> CommandTemplate.parse(OPTION, "agent {{prompt}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--command-template: unknown placeholder {{prompt}} at character 7")
        .hasMessageContaining("{{prompt_file}}, {{goal}}, {{budget}}");
  }

  @Test
  void theProgramMayNotComeFromAPlaceholder() {
    assertThatThrownBy(() -> CommandTemplate.parse(OPTION, "{{goal}} --x"))
        .hasMessage(
            "--command-template: the program (the first word) may not hold a placeholder, but it"
                + " holds {{goal}}");
    assertThatThrownBy(() -> CommandTemplate.parse(OPTION, "/bin/{{goal}}"))
        .hasMessageContaining("the program (the first word)");
  }

  @Test
  void badTemplatesAreRefusedNamingTheProblem() {
    assertThatThrownBy(() -> CommandTemplate.parse(OPTION, "  "))
        .hasMessageStartingWith("--command-template: expected a command line");
    assertThatThrownBy(() -> CommandTemplate.parse(OPTION, "agent 'open"))
        .hasMessage("--command-template: the quote ' at character 7 is not closed");
    assertThatThrownBy(() -> CommandTemplate.parse(OPTION, "agent {{goal"))
        .hasMessage("--command-template: '{{' at character 7 is not closed by '}}'");
  }
}
