package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.CanonicalJson;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordIds;
import dev.spl.core.RecordJson;
import dev.spl.core.ThreadIds;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Costs are doubles on the wire (RFC 8785); the fold adds the exact decimals of their canonical
 * forms, so totals carry no binary noise such as 0.30000000000000004.
 */
class MoneyTotalsTest {
  private static final WorkerDirectory WORKERS =
      Driver.live(Driver.worker("a", "worker-a", 0), Driver.worker("b", "worker-b", 0));

  @Test
  void costsReadBackFromTheirCanonicalFormAddUpExactly() {
    Driver driver = new Driver();
    driver.fanOut(List.of(SubtaskSpec.ofGoal("a"), SubtaskSpec.ofGoal("b")), "all");
    driver.step(WORKERS);
    String[] costs = {"0.1", "0.2"};
    for (int index = 0; index < 2; index++) {
      FanoutState state = driver.state();
      String worker = state.worker(index);
      ObjectNode body =
          FanoutRecords.childDoneBody(
              state.ref(),
              index,
              state.attempt(index),
              ThreadIds.derive(
                  driver.fanoutId, String.valueOf(index), state.specs().get(index).goal()),
              worker,
              Verdict.ACCEPT,
              new BigDecimal(costs[index]),
              1.0,
              "done",
              driver.now - 1000,
              driver.now);
      // As a worker's record arrives: written as canonical bytes, parsed by the receiver.
      Record sent = new Record(driver.taskThread, worker, Act.KNOW, body, 0, List.of());
      ObjectNode received = RecordJson.parse(Json.parse(RecordIds.canonicalBytes(sent))).body();
      driver.append(worker, Act.KNOW, received, List.of());
    }

    List<FanoutAction> actions = driver.step(WORKERS);

    FanoutAction.CompleteJoin join =
        actions.stream()
            .filter(FanoutAction.CompleteJoin.class::isInstance)
            .map(FanoutAction.CompleteJoin.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(join.totals().costUsd().toPlainString()).isEqualTo("0.3");
    assertThat(CanonicalJson.string(Json.MAPPER.createArrayNode().add(join.totals().costUsd())))
        .isEqualTo("[0.3]");
  }
}
