package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The body of {@code LEARN fanout_fanin_decided} on the parent's thread: the fan-in of a fan-out
 * with stages after its join ({@code --then}) is terminal. It keeps what the stages are given and
 * whether they run, decided once from the fan-in as it ended, so a replay routes the same way.
 *
 * @param verdict the join's verdict the fan-in ended with
 * @param reduced the reducers' values ({@link Reductions#toJson}), or null without reducers
 * @param runStages whether {@code --then-if} held (true without one)
 */
public record FaninDecided(
    String namespace,
    String fanout,
    String verdict,
    Fanin fanin,
    ObjectNode reduced,
    boolean runStages,
    long decidedAtMillis)
    implements FanoutEvent {

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.FANIN_DECIDED, namespace, fanout);
    body.put("verdict", verdict);
    body.set("fanin", JoinComplete.faninJson(fanin));
    if (reduced != null) {
      body.set("reduced", reduced);
    }
    body.put("run_stages", runStages);
    body.put("decided_at", decidedAtMillis);
    return body;
  }

  public static FaninDecided fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.FANIN_DECIDED);
    if (!body.path("run_stages").isBoolean()) {
      throw reader.problem("run_stages", "true or false", body.get("run_stages"));
    }
    return new FaninDecided(
        reader.text("namespace"),
        reader.text("fanout"),
        reader.oneOf("verdict", JoinComplete.ACCEPT, JoinComplete.REJECT, JoinComplete.PARTIAL),
        JoinComplete.faninOf(reader.object("fanin")),
        body.get("reduced") instanceof ObjectNode reduced ? reduced : null,
        body.get("run_stages").booleanValue(),
        reader.longValue("decided_at", 0));
  }
}
