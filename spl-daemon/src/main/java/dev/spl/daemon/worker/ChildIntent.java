package dev.spl.daemon.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutRef;
import dev.spl.daemon.exec.ChildJob;
import java.math.BigDecimal;
import java.nio.file.Path;

/** A child INTEND as a worker reads it: what to run and where to report. */
record ChildIntent(StoredRecord stored, FanoutRef fanout, String coordinator, ChildJob job) {

  static boolean isChildIntent(StoredRecord stored) {
    return stored.record().act() == Act.INTEND
        && FanoutRecords.CHILD.equals(stored.record().topic());
  }

  static ChildIntent of(StoredRecord stored, Path workRoot) {
    ObjectNode body = stored.record().body();
    String namespace = body.path("namespace").asText("default");
    FanoutRef fanout =
        new FanoutRef(body.path("fanout").asText(), body.path("parent_thread").asText(), namespace);
    int index = body.path("index").asInt();
    int attempt = body.path("attempt").asInt(1);
    JsonNode budget = body.get("budget");
    JsonNode timeout = body.get("timeout");
    JsonNode run = body.get("run");
    String childThread = stored.record().thread();
    ChildJob job =
        new ChildJob(
            childThread,
            stored.id(),
            attempt,
            body.path("goal").asText(),
            budget != null && budget.isNumber() ? budget.decimalValue() : null,
            timeout != null && timeout.canConvertToInt() ? timeout.intValue() : null,
            run != null && run.isTextual() ? run.textValue() : null,
            fanout.id(),
            index,
            namespace,
            body.path("inputs").toString(),
            workRoot.resolve(childThread.substring(3, 19) + "-" + index));
    String coordinator = body.path("coordinator").asText(null);
    return new ChildIntent(stored, fanout, coordinator, job);
  }

  BigDecimal budget() {
    return job.budgetUsd();
  }
}
