package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JoinsTest {
  private static JoinOutcome eval(JoinPredicate join, int n, int accepted, int failed, int active) {
    return join.evaluate(new JoinCounters(n, accepted + failed, accepted, failed, active), null);
  }

  @Test
  void allIsSatisfiedByEveryAcceptAndImpossibleAtTheFirstFailure() {
    JoinPredicate all = Joins.compile("all", 3, JoinCompiler.BUILT_IN_ONLY);
    assertThat(eval(all, 3, 2, 0, 1)).isEqualTo(JoinOutcome.UNDECIDED);
    assertThat(eval(all, 3, 3, 0, 0)).isEqualTo(JoinOutcome.SATISFIED);
    assertThat(eval(all, 3, 0, 1, 2)).isEqualTo(JoinOutcome.IMPOSSIBLE);
  }

  @Test
  void anyIsSatisfiedEarlyAndImpossibleOnlyWhenAllFailed() {
    JoinPredicate any = Joins.compile("any", 3, JoinCompiler.BUILT_IN_ONLY);
    assertThat(eval(any, 3, 0, 2, 1)).isEqualTo(JoinOutcome.UNDECIDED);
    assertThat(eval(any, 3, 1, 0, 2)).isEqualTo(JoinOutcome.SATISFIED);
    assertThat(eval(any, 3, 0, 3, 0)).isEqualTo(JoinOutcome.IMPOSSIBLE);
  }

  @Test
  void kOfNCountsWhatIsStillPossible() {
    JoinPredicate twoOfFour = Joins.compile("k_of_n:2", 4, JoinCompiler.BUILT_IN_ONLY);
    assertThat(twoOfFour.text()).isEqualTo("k_of_n:2");
    assertThat(eval(twoOfFour, 4, 1, 1, 2)).isEqualTo(JoinOutcome.UNDECIDED);
    assertThat(eval(twoOfFour, 4, 2, 0, 2)).isEqualTo(JoinOutcome.SATISFIED);
    assertThat(eval(twoOfFour, 4, 1, 2, 1)).isEqualTo(JoinOutcome.UNDECIDED);
    assertThat(eval(twoOfFour, 4, 0, 3, 1)).isEqualTo(JoinOutcome.IMPOSSIBLE);
  }

  @Test
  void refusesKOutOfRangeNamingKAndN() {
    assertThatThrownBy(() -> Joins.compile("k_of_n:4", 3, JoinCompiler.BUILT_IN_ONLY))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage("join: k_of_n needs K in 1..3 (N = 3 subtasks) but K = 4");
    assertThatThrownBy(() -> Joins.compile("k_of_n:0", 3, JoinCompiler.BUILT_IN_ONLY))
        .hasMessage("join: k_of_n needs K in 1..3 (N = 3 subtasks) but K = 0");
    assertThatThrownBy(() -> Joins.compile("k_of_n:two", 3, JoinCompiler.BUILT_IN_ONLY))
        .hasMessage("join: expected k_of_n:K with K a whole number but found 'k_of_n:two'");
    assertThatThrownBy(() -> Joins.compile(" ", 3, JoinCompiler.BUILT_IN_ONLY))
        .hasMessage("join: expected all, any, k_of_n:K or a CEL expression but it is empty");
  }

  @Test
  void expressionsGoToTheCompiler() {
    assertThatThrownBy(() -> Joins.compile("accepted > 1", 3, JoinCompiler.BUILT_IN_ONLY))
        .hasMessageStartingWith("join: expected all, any or k_of_n:K");
    JoinPredicate compiled =
        Joins.compile(
            "accepted > 1",
            3,
            expression ->
                new JoinPredicate() {
                  @Override
                  public String text() {
                    return expression;
                  }

                  @Override
                  public JoinOutcome evaluate(JoinCounters counters, ChildrenView children) {
                    return JoinOutcome.UNDECIDED;
                  }
                });
    assertThat(compiled.text()).isEqualTo("accepted > 1");
  }
}
