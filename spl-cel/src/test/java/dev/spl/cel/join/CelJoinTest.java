package dev.spl.cel.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.core.fanout.ChildView;
import dev.spl.core.fanout.ChildrenView;
import dev.spl.core.fanout.Fanin;
import dev.spl.core.fanout.FanoutAction;
import dev.spl.core.fanout.InvalidFanoutException;
import dev.spl.core.fanout.JoinCounters;
import dev.spl.core.fanout.JoinOutcome;
import dev.spl.core.fanout.JoinPredicate;
import dev.spl.core.fanout.Joins;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class CelJoinTest {
  private final CelJoinCompiler compiler = new CelJoinCompiler();

  /** A children view that counts how many child maps were built. */
  private static final class CountingChildren implements ChildrenView {
    final List<ChildView> children;
    int built;

    CountingChildren(List<ChildView> children) {
      this.children = children;
    }

    @Override
    public int size() {
      return children.size();
    }

    @Override
    public ChildView get(int index) {
      built++;
      return children.get(index);
    }
  }

  private static ChildView child(int index, String verdict, String cost) {
    return new ChildView(
        index,
        "th_x",
        "did:sync:instance:000000000000000a",
        verdict,
        new BigDecimal(cost),
        2.0,
        "s" + index);
  }

  @Test
  void refusesAnExpressionThatDoesNotCompileWithThePosition() {
    assertThatThrownBy(() -> compiler.compile("accepted >= 2 &&"))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageStartingWith(
            "join: the CEL expression does not compile (line 1, column 17): mismatched input")
        .hasMessageContaining(" | ................^");
    assertThatThrownBy(() -> compiler.compile("acepted >= 2"))
        .hasMessageStartingWith("join: the CEL expression does not compile (line 1, column 1): ")
        .hasMessageContaining("undeclared reference to 'acepted'")
        .hasMessageContaining("^");
    assertThatThrownBy(() -> compiler.compile("accepted >= 'two'"))
        .hasMessageStartingWith("join: the CEL expression does not compile (line 1, column 10): ")
        .hasMessageContaining("found no matching overload for '_>=_'");
  }

  @Test
  void refusesAnExpressionThatIsNotBoolean() {
    assertThatThrownBy(() -> compiler.compile("accepted + 1"))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage("join: expected a CEL expression of type bool but 'accepted + 1' has type int");
    assertThatThrownBy(() -> compiler.compile("children[0].verdict"))
        .hasMessageContaining("has type dyn");
  }

  @Test
  void counterExpressionsDecideWithoutBuildingChildren() {
    JoinPredicate join = Joins.compile("accepted >= 2 || (failed > 0 && active == 0)", 4, compiler);
    CountingChildren children =
        new CountingChildren(List.of(child(0, "accept", "0"), child(1, "running", "0")));
    assertThat(join.evaluate(new JoinCounters(4, 1, 1, 0, 3), children))
        .isEqualTo(JoinOutcome.UNDECIDED);
    assertThat(join.evaluate(new JoinCounters(4, 2, 2, 0, 2), children))
        .isEqualTo(JoinOutcome.SATISFIED);
    assertThat(join.evaluate(new JoinCounters(4, 4, 0, 4, 0), children))
        .isEqualTo(JoinOutcome.SATISFIED);
    assertThat(children.built).isZero();
    assertThat(((CelJoinPredicate) join).readsChildren()).isFalse();
  }

  @Test
  void childrenExpressionsSeeEveryField() {
    JoinPredicate join =
        compiler.compile(
            "children.exists(c, c.verdict == 'accept' && c.cost_usd < 0.5 && c.index == 1"
                + " && c.wall_time_secs == 2.0 && c.summary == 's1' && c.thread == 'th_x'"
                + " && c.worker.startsWith('did:sync:instance:'))");
    assertThat(((CelJoinPredicate) join).readsChildren()).isTrue();
    CountingChildren cheap =
        new CountingChildren(List.of(child(0, "accept", "0.9"), child(1, "accept", "0.2")));
    assertThat(join.evaluate(new JoinCounters(3, 2, 2, 0, 1), cheap))
        .isEqualTo(JoinOutcome.SATISFIED);
    assertThat(cheap.built).isEqualTo(2);
    CountingChildren expensive =
        new CountingChildren(List.of(child(0, "accept", "0.9"), child(1, "reject", "0.2")));
    assertThat(join.evaluate(new JoinCounters(3, 2, 1, 1, 1), expensive))
        .isEqualTo(JoinOutcome.UNDECIDED);
    assertThat(join.evaluate(new JoinCounters(2, 2, 1, 1, 0), expensive))
        .isEqualTo(JoinOutcome.IMPOSSIBLE);
  }

  @Test
  void anEvaluationErrorCountsAsFalse() {
    JoinPredicate join = compiler.compile("n / (n - completed) > 0 && false || accepted == 9");
    assertThat(join.evaluate(new JoinCounters(2, 2, 2, 0, 0), new CountingChildren(List.of())))
        .isEqualTo(JoinOutcome.IMPOSSIBLE);
  }

  @Test
  void aCelJoinDrivesTheFoldToEarlySatisfactionAndCancellation() {
    FanoutHarness harness = new FanoutHarness(compiler, "cel-join");
    harness.fanOut(5, "children.filter(c, c.verdict == 'accept').size() >= 2");
    harness.step(FanoutHarness.TWO_WORKERS);
    harness.fanouts.apply(harness.result(3, "accept", 0.1));
    assertThat(harness.step(FanoutHarness.TWO_WORKERS)).isEmpty();
    harness.fanouts.apply(harness.result(0, "accept", 0.1));
    List<FanoutAction> actions = harness.step(FanoutHarness.TWO_WORKERS);
    assertThat(actions).hasSize(2);
    assertThat(((FanoutAction.Cancel) actions.get(0)).indices()).containsExactly(1, 2, 4);
    assertThat(((FanoutAction.CompleteJoin) actions.get(1)).verdict()).isEqualTo("accept");
    assertThat(harness.state().joinComplete()).isTrue();
  }

  @Test
  void aCelJoinThatStaysFalseBecomesImpossibleOnceEveryChildHasAVerdict() {
    FanoutHarness harness = new FanoutHarness(compiler, "cel-impossible");
    harness.fanOut(2, "accepted == n && children.all(c, c.cost_usd < 1.0)");
    harness.step(FanoutHarness.TWO_WORKERS);
    harness.fanouts.apply(harness.result(0, "accept", 5.0));
    assertThat(harness.step(FanoutHarness.TWO_WORKERS)).isEmpty();
    harness.fanouts.apply(harness.result(1, "accept", 0.1));
    List<FanoutAction> actions = harness.step(FanoutHarness.TWO_WORKERS);
    assertThat(((FanoutAction.CompleteJoin) actions.get(0)).verdict()).isEqualTo("reject");
  }

  @Test
  void seesTheFanInAndRefusesFieldsItDoesNotHave() {
    JoinPredicate join =
        compiler.compile(
            "fanin.status == 'partial' && fanin.succeeded >= 2 && fanin.failed == 1"
                + " && fanin.cancelled == 0 && fanin.retried == 1 && fanin.retries == 3");
    CountingChildren none = new CountingChildren(List.of());
    JoinCounters counters = new JoinCounters(3, 3, 2, 1, 0);
    assertThat(join.evaluate(counters, none, new Fanin("partial", 2, 1, 0, 1, 3)))
        .isEqualTo(JoinOutcome.SATISFIED);
    assertThat(join.evaluate(counters, none, new Fanin("failed", 2, 1, 0, 1, 3)))
        .isEqualTo(JoinOutcome.IMPOSSIBLE);
    assertThat(join.readsChildren()).isFalse();
    assertThatThrownBy(() -> compiler.compile("fanin.sucseeded > 0"))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageContaining("undeclared reference");
    assertThatThrownBy(() -> compiler.compile("fanin.status + 1 > 0"))
        .isInstanceOf(InvalidFanoutException.class);
    assertThat(compiler.compile("children.size() > 0").readsChildren()).isTrue();
  }
}
