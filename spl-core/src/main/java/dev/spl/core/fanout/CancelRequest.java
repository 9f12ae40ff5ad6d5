package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * The body of {@code LEARN fanout_cancel_request} on the parent's thread: stop the whole fan-out.
 * Written by {@code spl task cancel}. The coordinator then cancels every child still pending or
 * running and completes the join with the verdict {@code cancelled}; a request that arrives after
 * the join completed changes nothing.
 *
 * @param reason why, as the user gave it, or null
 */
public record CancelRequest(String namespace, String fanout, String reason) implements FanoutEvent {

  public CancelRequest {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fanout, "fanout");
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.CANCEL_REQUEST, namespace, fanout);
    if (reason != null) {
      body.put("reason", reason);
    }
    return body;
  }

  public static CancelRequest fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.CANCEL_REQUEST);
    return new CancelRequest(
        reader.text("namespace"), reader.text("fanout"), reader.optionalText("reason"));
  }
}
