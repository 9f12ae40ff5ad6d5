package dev.spl.core.fanout;

import static dev.spl.core.fanout.Driver.live;
import static dev.spl.core.fanout.Driver.only;
import static dev.spl.core.fanout.Driver.spawns;
import static dev.spl.core.fanout.Driver.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --total-budget}: the fold's spawn gate, its cancels and what the join says was spent. */
class TotalBudgetTest {
  private static final WorkerDirectory TWO =
      live(worker("a", "worker-a", 0), worker("b", "worker-b", 0));

  private static SubtaskSpec costing(String goal, String budget) {
    return new SubtaskSpec(
        goal,
        null,
        budget == null ? null : new BigDecimal(budget),
        null,
        null,
        null,
        null,
        null,
        null);
  }

  private static FanoutOptions totalBudget(String usd) {
    return new FanoutOptions(
        FanoutPolicy.ALL, 0, FanoutOptions.DEFAULT_BACKOFF_MILLIS, 0, new BigDecimal(usd), null);
  }

  @Test
  void theGateSpawnsWaitsOrStops() {
    BudgetGate gate = new BudgetGate(1_000_000);

    assertThat(gate.spawn(0, 500_000, 500_000)).isEqualTo(BudgetGate.Spawn.GO);
    assertThat(gate.spawn(0, 600_000, 500_000)).isEqualTo(BudgetGate.Spawn.WAIT);
    assertThat(gate.spawn(600_000, 0, 500_000)).isEqualTo(BudgetGate.Spawn.STOP);
    assertThat(gate.exceeded(1_000_000)).isFalse();
    assertThat(gate.exceeded(1_000_001)).isTrue();
    assertThatThrownBy(() -> new BudgetGate(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void childrenWaitWhileRunningBudgetsAreCommittedAndStopWhenSpentLeavesNoRoom() {
    Driver driver = new Driver();
    driver.fanOut(
        List.of(costing("a", "0.40"), costing("b", "0.40"), costing("c", "0.40")),
        "all",
        totalBudget("1.00"));

    // 0.40 + 0.40 committed; a third would make 1.20.
    List<FanoutAction> first = driver.step(TWO);
    assertThat(spawns(first)).extracting(FanoutAction.Spawn::index).containsExactly(0, 1);

    // Child 0 spent only 0.10: 0.10 + 0.40 committed + 0.40 fits.
    driver.doneCosting(0, "accept", "0.10");
    assertThat(spawns(driver.step(TWO))).extracting(FanoutAction.Spawn::index).containsExactly(2);
    assertThat(driver.state().spentUsd()).isEqualByComparingTo("0.10");
  }

  @Test
  void aChildThatCanNeverFitIsCancelledWithTheReasonBudget() {
    Driver driver = new Driver();
    driver.fanOut(List.of(costing("a", "0.80"), costing("b", "0.50")), "all", totalBudget("1.00"));
    assertThat(spawns(driver.step(TWO))).extracting(FanoutAction.Spawn::index).containsExactly(0);

    driver.doneCosting(0, "accept", "0.70");
    List<FanoutAction> actions = driver.step(TWO);

    assertThat(spawns(actions)).isEmpty();
    List<FanoutAction.Cancel> cancels = only(actions, FanoutAction.Cancel.class);
    assertThat(cancels).singleElement().extracting(FanoutAction.Cancel::reason).isEqualTo("budget");
    assertThat(cancels.get(0).children())
        .extracting(FanoutAction.CancelledChild::index)
        .containsExactly(1);
    assertThat(driver.state().verdict(1)).isEqualTo(Verdict.CANCELLED);
    assertThat(driver.state().summary(1)).isEqualTo("cancelled before it was spawned (budget)");

    // The join then completes (reject: one child cancelled) and says what was spent.
    FanoutAction.CompleteJoin join = only(driver.step(TWO), FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo("reject");
    assertThat(join.totals().spentUsd()).isEqualByComparingTo("0.70");
    assertThat(join.totals().totalBudgetUsd()).isEqualByComparingTo("1.00");
    JoinComplete record =
        JoinComplete.fromBody(
            new JoinComplete(
                    "docs",
                    driver.fanoutId,
                    join.verdict(),
                    null,
                    join.totals(),
                    join.completedAtMillis(),
                    join.fanin())
                .toBody());
    assertThat(record.totals().spentUsd()).isEqualByComparingTo("0.70");
  }

  @Test
  void spendingPastTheTotalCancelsRunningAndPendingChildren() {
    Driver driver = new Driver();
    // A cap of 1 over two workers: one worker runs one child and queues the next ones; the rest
    // are not spawned.
    int width = FanoutState.QUEUED_PER_SHARE + 3;
    List<SubtaskSpec> specs = new java.util.ArrayList<>();
    for (int i = 0; i < width; i++) {
      specs.add(costing("child " + i, null));
    }
    driver.fanOut(
        specs,
        "all",
        new FanoutOptions(
            FanoutPolicy.ALL,
            0,
            FanoutOptions.DEFAULT_BACKOFF_MILLIS,
            1,
            new BigDecimal("1.00"),
            null));
    assertThat(spawns(driver.step(TWO))).hasSize(1 + FanoutState.QUEUED_PER_SHARE);

    // Without budgets nothing is committed; child 0 reports more than the whole total.
    driver.doneCosting(0, "accept", "1.50");
    List<FanoutAction> actions = driver.step(TWO);

    assertThat(spawns(actions)).isEmpty();
    FanoutAction.Cancel cancel = only(actions, FanoutAction.Cancel.class).get(0);
    assertThat(cancel.reason()).isEqualTo("budget");
    assertThat(cancel.children()).hasSize(width - 1);
    assertThat(cancel.children().get(0).index()).isEqualTo(1);
    assertThat(cancel.children().get(0).worker()).isNotNull();
    assertThat(cancel.children().get(width - 2).index()).isEqualTo(width - 1);
    assertThat(cancel.children().get(width - 2).worker()).isNull();
    assertThat(driver.state().childState(1)).isEqualTo(ChildState.CANCELLING);
    assertThat(driver.state().verdict(width - 1)).isEqualTo(Verdict.CANCELLED);
  }

  @Test
  void retriedAttemptsCountTowardsWhatWasSpent() {
    Driver driver = new Driver();
    driver.fanOut(
        List.of(costing("a", "0.30")),
        "all",
        new FanoutOptions(FanoutPolicy.ALL, 2, 0, 0, new BigDecimal("1.00"), null));
    driver.step(TWO);
    driver.doneCosting(0, "reject", "0.30");
    driver.step(TWO);
    driver.doneCosting(0, "accept", "0.20");

    assertThat(driver.state().spentUsd()).isEqualByComparingTo("0.50");
  }

  @Test
  void aTotalBudgetMustBePositive() {
    assertThatThrownBy(() -> totalBudget("0"))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageContaining("--total-budget")
        .hasMessageContaining("expected an amount in USD above 0");
    assertThat(
            FanoutParent.fromBody(
                    new FanoutParent(
                            "docs", "all", 1, List.of("c"), 3, null, 1, null, totalBudget("2.5"))
                        .toBody())
                .options()
                .totalBudgetUsd())
        .isEqualByComparingTo("2.5");
  }
}
