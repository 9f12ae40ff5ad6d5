package dev.spl.cel.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.fanout.ChildView;
import dev.spl.core.fanout.ChildrenView;
import dev.spl.core.fanout.Fanin;
import dev.spl.core.fanout.JoinCounters;
import dev.spl.core.fanout.JoinOutcome;
import dev.spl.core.fanout.JoinPredicate;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FoldedJoinTest {
  private static final List<String> VERDICTS =
      List.of("pending", "running", "accept", "reject", "failed", "cancelled");

  private final CelJoinCompiler compiler = new CelJoinCompiler();

  @Test
  void perChildTermsAreFolded() {
    for (String join :
        List.of(
            "children.exists(c, c.verdict == 'accept')",
            "children.all(c, c.verdict != 'reject')",
            "children.exists_one(c, c.index == 3)",
            "children.filter(c, c.cost_usd < 0.5).size() >= 3",
            "size(children.filter(c, c.verdict == 'accept')) * 2 > size(children)",
            "accepted >= 2 && children.exists(c, c.summary.startsWith('ok'))",
            "!children.exists(c, int(c.summary) > 7) || completed == n",
            "fanin.succeeded > 1 && children.all(c, c.wall_time_secs < 5.0)")) {
      assertThat(compiler.compile(join).childFold(4)).as(join).isPresent();
    }
  }

  @Test
  void otherUsesOfChildrenAreEvaluatedWhole() {
    for (String join :
        List.of(
            "children[0].verdict == 'accept'",
            "children.map(c, c.cost_usd).size() > 1",
            "children.exists(c, c.cost_usd > children[0].cost_usd)",
            "children.exists(c, c.index < accepted)",
            "children.filter(c, c.verdict == 'accept')[0].index == 0",
            "children.exists(c, [1, 2].exists(x, x == c.index))",
            "accepted >= 2")) {
      assertThat(compiler.compile(join).childFold(4)).as(join).isEmpty();
    }
  }

  /**
   * The folded join and the join over the whole list agree at every step of random fan-outs,
   * including children whose term fails (a summary that is not a number) and joins where such a
   * failure is absorbed or decides.
   */
  @Test
  void theFoldGivesTheSameOutcomeAsTheWholeListAtEveryStep() {
    List<String> joins =
        List.of(
            "children.exists(c, c.verdict == 'accept')",
            "children.all(c, c.verdict != 'reject')",
            "children.exists_one(c, c.verdict == 'failed')",
            "children.filter(c, c.cost_usd < 0.5).size() >= 3",
            "size(children.filter(c, c.verdict == 'accept')) * 2 > size(children)",
            "children.exists(c, int(c.summary) > 7)",
            "children.all(c, int(c.summary) < 9)",
            "children.exists(c, int(c.summary) > 7) || accepted >= 3",
            "!children.exists(c, int(c.summary) > 7) || completed == n",
            "children.filter(c, int(c.summary) > 4).size() == 2 || failed > 1",
            "children.exists_one(c, int(c.summary) == 5) && active == 0");
    Random random = new Random(20261201);
    for (String join : joins) {
      JoinPredicate predicate = compiler.compile(join);
      for (int round = 0; round < 15; round++) {
        int width = 1 + random.nextInt(12);
        JoinPredicate.ChildFold fold = predicate.childFold(width).orElseThrow();
        List<ChildView> children = new ArrayList<>();
        for (int i = 0; i < width; i++) {
          children.add(child(i, "pending", "0", "x"));
          fold.update(i, children.get(i));
        }
        for (int step = 0; step < 3 * width; step++) {
          int i = random.nextInt(width);
          String summary = random.nextInt(4) == 0 ? "not a number" : "" + random.nextInt(10);
          children.set(
              i,
              child(
                  i,
                  VERDICTS.get(random.nextInt(VERDICTS.size())),
                  random.nextBoolean() ? "0.25" : "0.75",
                  summary));
          fold.update(i, children.get(i));
          JoinCounters counters = counters(children);
          Fanin fanin = new Fanin(Fanin.RUNNING, counters.accepted(), counters.failed(), 0, 0, 0);
          JoinOutcome whole = predicate.evaluate(counters, view(children), fanin, Map.of());
          assertThat(fold.evaluate(counters, fanin, Map.of()))
              .as("%s over %s", join, children)
              .isEqualTo(whole);
        }
      }
    }
  }

  @Test
  void aWideFoldDecidesFromTheChildrenThatChanged() {
    JoinPredicate predicate =
        compiler.compile("children.filter(c, c.verdict == 'accept').size() >= 3");
    int width = 1000;
    JoinPredicate.ChildFold fold = predicate.childFold(width).orElseThrow();
    for (int i = 0; i < width; i++) {
      fold.update(i, child(i, "pending", "0", "x"));
    }
    JoinCounters pending = new JoinCounters(width, 0, 0, 0, 0);
    assertThat(fold.evaluate(pending, null, Map.of())).isEqualTo(JoinOutcome.UNDECIDED);
    for (int i = 0; i < 3; i++) {
      fold.update(i, child(i, "accept", "0", "ok"));
    }
    assertThat(fold.evaluate(new JoinCounters(width, 3, 3, 0, 0), null, Map.of()))
        .isEqualTo(JoinOutcome.SATISFIED);
  }

  private static ChildView child(int index, String verdict, String cost, String summary) {
    return new ChildView(
        index,
        "th_" + index,
        "did:sync:instance:000000000000000a",
        verdict,
        new BigDecimal(cost),
        index % 7,
        summary);
  }

  private static JoinCounters counters(List<ChildView> children) {
    int completed = 0;
    int accepted = 0;
    int active = 0;
    for (ChildView child : children) {
      switch (child.verdict()) {
        case "pending" -> {}
        case "running" -> active++;
        case "accept" -> {
          completed++;
          accepted++;
        }
        default -> completed++;
      }
    }
    return new JoinCounters(children.size(), completed, accepted, completed - accepted, active);
  }

  private static ChildrenView view(List<ChildView> children) {
    return new ChildrenView() {
      @Override
      public int size() {
        return children.size();
      }

      @Override
      public ChildView get(int index) {
        return children.get(index);
      }
    };
  }
}
