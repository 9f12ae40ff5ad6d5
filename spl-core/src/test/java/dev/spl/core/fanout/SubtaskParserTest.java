package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubtaskParserTest {
  @Test
  void parsesEveryKeyOfTheCommandLineForm() {
    SubtaskSpec spec =
        SubtaskParser.parseCli(
            2,
            "goal=Write summary, target=least-loaded-worker,budget=0.50,timeout=300,"
                + "depends=1+0,run=make docs");
    assertThat(spec.goal()).isEqualTo("Write summary");
    assertThat(spec.target()).isEqualTo("least-loaded-worker");
    assertThat(spec.budget()).isEqualTo(new BigDecimal("0.50"));
    assertThat(spec.timeoutSecs()).isEqualTo(300L);
    assertThat(spec.depends()).containsExactly(0, 1);
    assertThat(spec.run()).isEqualTo("make docs");
  }

  @Test
  void quotedValuesMayHoldCommasEqualsQuotesAndBackslashes() {
    SubtaskSpec spec =
        SubtaskParser.parseCli(
            0, "goal=\"A, then B\",run=\"echo \\\"a,b\\\" \\\\ x=1\" , target=worker-a");
    assertThat(spec.goal()).isEqualTo("A, then B");
    assertThat(spec.run()).isEqualTo("echo \"a,b\" \\ x=1");
    assertThat(spec.target()).isEqualTo("worker-a");
  }

  @Test
  void unquotedValuesMayHoldEquals() {
    assertThat(SubtaskParser.parseCli(0, "goal=g,run=FOO=1 make").run()).isEqualTo("FOO=1 make");
  }

  @Test
  void refusesBadCommandLineInputNamingIndexAndKey() {
    assertThatThrownBy(() -> SubtaskParser.parseCli(3, "goal=x,colour=red"))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage(
            "subtask 3: unknown key 'colour' (expected one of goal, target, budget, timeout,"
                + " depends, run, workspace, hedge, executor)");
    assertThatThrownBy(() -> SubtaskParser.parseCli(1, "target=worker-a"))
        .hasMessage("subtask 1: goal: required but missing");
    assertThatThrownBy(() -> SubtaskParser.parseCli(1, "goal=  "))
        .hasMessage("subtask 1: goal: required but empty");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=x,budget=cheap"))
        .hasMessage("subtask 0: budget: expected an amount in USD such as 0.50 but found 'cheap'");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=x,budget=-1"))
        .hasMessage("subtask 0: budget: expected an amount >= 0 but found -1");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=x,timeout=1.5"))
        .hasMessage("subtask 0: timeout: expected a whole number of seconds but found '1.5'");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=x,timeout=0"))
        .hasMessage("subtask 0: timeout: expected a number of seconds > 0 but found 0");
    assertThatThrownBy(() -> SubtaskParser.parseCli(4, "goal=x,depends=0+a"))
        .hasMessage(
            "subtask 4: depends: expected subtask indices joined by '+' such as 0+1 but found"
                + " '0+a'");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=x,goal=y"))
        .hasMessage("subtask 0: goal: given twice");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=\"open"))
        .hasMessage(
            "subtask 0: goal: the double-quoted value starting at column 6 has no closing"
                + " quote");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=\"a\"b"))
        .hasMessage("subtask 0: goal: expected a comma after the closing quote but found 'b'");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=a,oops"))
        .hasMessageStartingWith("subtask 0: expected key=value but found 'oops'");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=a,target=bad target"))
        .hasMessageStartingWith("subtask 0: target: expected specific:<did>, a worker alias");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=a,target=specific:"))
        .hasMessage("subtask 0: target: expected 'specific:<did>' but the DID is empty");
  }

  @Test
  void parsesJsonLinesSkippingBlankLines() {
    String lines =
        "{\"goal\":\"a\",\"budget\":0.5,\"timeout\":30}\n"
            + "\n"
            + "{\"goal\":\"b\",\"depends\":[0],\"target\":\"worker-b\"}\n"
            + "{\"goal\":\"c\",\"depends\":\"0+1\",\"run\":\"echo a,b\"}\n";
    List<SubtaskSpec> specs = SubtaskParser.parseJsonLines(new StringReader(lines));
    assertThat(specs).hasSize(3);
    assertThat(specs.get(0).budget()).isEqualByComparingTo("0.5");
    assertThat(specs.get(0).timeoutSecs()).isEqualTo(30L);
    assertThat(specs.get(1).depends()).containsExactly(0);
    assertThat(specs.get(2).depends()).containsExactly(0, 1);
    assertThat(specs.get(2).run()).isEqualTo("echo a,b");
  }

  @Test
  void refusesBadJsonLinesNamingIndexAndKey() {
    assertThatThrownBy(
            () -> SubtaskParser.parseJsonLines(new StringReader("{\"goal\":\"a\"}\n{oops\n")))
        .hasMessageStartingWith("subtask 1: line 2: not valid JSON at line 1, column 2");
    assertThatThrownBy(
            () ->
                SubtaskParser.parseJsonLines(
                    new StringReader("{\"goal\":\"a\",\"depends\":[\"x\"]}")))
        .hasMessage("subtask 0: depends: expected an array of subtask indices but found \"x\"");
    assertThatThrownBy(
            () -> SubtaskParser.parseJsonLines(new StringReader("{\"goal\":\"a\",\"when\":1}")))
        .hasMessageStartingWith("subtask 0: unknown key 'when'");
    assertThatThrownBy(() -> SubtaskParser.parseJsonLines(new StringReader("[1]")))
        .hasMessage("subtask 0: expected a JSON object but found [1]");
    assertThatThrownBy(() -> SubtaskParser.parseJsonLines(new StringReader("{\"goal\":7}")))
        .hasMessage("subtask 0: goal: expected a string but found 7");
  }

  @Test
  void descriptorsRoundTripThroughTheirStoredForm() {
    SubtaskSpec spec =
        SubtaskParser.parseCli(
            1,
            "goal=g,target=specific:did:sync:instance:0000000000000001,budget=1.25,"
                + "timeout=5,depends=0,run=\"a,b\"");
    assertThat(SubtaskParser.parseJson(1, spec.toJson())).isEqualTo(spec);
  }

  @Test
  void aKeyGivenTwiceOnALineIsRefusedNotLastOneWins() {
    assertThatThrownBy(
            () ->
                SubtaskParser.parseJsonLines(
                    new StringReader("{\"goal\":\"a\"}\n{\"goal\":\"b\",\"goal\":\"c\"}")))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageStartingWith("subtask 1: line 2: not valid JSON")
        .hasMessageEndingWith("the key 'goal' is given twice in the top-level object");
  }

  @Test
  void timeoutsAndBudgetsHaveBounds() {
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=x,timeout=1e18"))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage(
            "subtask 0: timeout: expected at most 2592000 seconds (30 days) but found 1e18");
    assertThatThrownBy(
            () ->
                SubtaskParser.parseJsonLines(new StringReader("{\"goal\":\"x\",\"timeout\":1e18}")))
        .hasMessageStartingWith("subtask 0: timeout: expected at most 2592000 seconds");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=x,timeout=1e999999999"))
        .hasMessageStartingWith("subtask 0: timeout: expected at most 2592000 seconds");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=x,budget=1000000.01"))
        .hasMessage(
            "subtask 0: budget: expected an amount of at most 1000000 USD but found 1000000.01");
    assertThatThrownBy(() -> SubtaskParser.parseCli(0, "goal=x,budget=1e-999999999"))
        .hasMessageStartingWith("subtask 0: budget: expected a canonical number but found");
    assertThat(SubtaskParser.parseCli(0, "goal=x,timeout=2592000").timeoutSecs())
        .isEqualTo(2_592_000L);
    assertThat(SubtaskParser.parseCli(0, "goal=x,budget=0.12345678901234567890").budget())
        .isEqualTo(new BigDecimal("0.12345678901234568"));
  }

  @Test
  void numbersAndStringsWithoutACanonicalFormAreRefusedNamingTheKey() {
    assertThatThrownBy(
            () ->
                SubtaskParser.parseJsonLines(
                    new StringReader("{\"goal\":\"x\",\"budget\":1e999999999}")))
        .hasMessageStartingWith("subtask 0: budget: expected an amount of at most 1000000 USD");
    assertThatThrownBy(
            () -> SubtaskParser.parseJsonLines(new StringReader("{\"goal\":\"a\\ud800\"}")))
        .hasMessageStartingWith("subtask 0: goal: expected valid Unicode text");
  }

  @Test
  void bytesThatAreNotUtf8AreRefusedWithTheirLine() {
    byte[] file = {
      '{',
      '"',
      'g',
      'o',
      'a',
      'l',
      '"',
      ':',
      '"',
      'a',
      '"',
      '}',
      '\n',
      '{',
      '"',
      (byte) 0xC0,
      (byte) 0xAF
    };

    assertThatThrownBy(() -> SubtaskParser.parseJsonLines(file))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage(
            "subtasks: expected UTF-8 but found the invalid byte sequence C0 at byte offset 15"
                + " (line 2) (overlong forms, encoded surrogates and code points above U+10FFFF"
                + " are not UTF-8)");
  }

  @Test
  void executorEchoIsReadAndStoredAndOtherNamesAreRefusedNamingSubtaskAndValue() {
    SubtaskSpec spec = SubtaskParser.parseCli(0, "goal=g,run=exit 3,executor=echo");
    assertThat(spec.executor()).isEqualTo(SubtaskSpec.ECHO);
    assertThat(spec.toJson().path("executor").asText()).isEqualTo("echo");
    assertThat(SubtaskParser.parseJson(0, spec.toJson()).executor()).isEqualTo("echo");
    assertThat(SubtaskParser.parseCli(0, "goal=g").executor()).isNull();
    assertThatThrownBy(() -> SubtaskParser.parseCli(4, "goal=g,executor=docker"))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage(
            "subtask 4: executor: expected echo (or leave the key out for the worker's own"
                + " executor) but found 'docker'");
    assertThatThrownBy(() -> SubtaskParser.parseCli(2, "goal=g,executor=echo,workspace=worktree"))
        .hasMessage(
            "subtask 2: executor: executor=echo runs no command, so it takes no"
                + " workspace=worktree");
  }
}
