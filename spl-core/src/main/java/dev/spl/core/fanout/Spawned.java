package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The body of {@code DO fanout_spawned} on the parent's thread: the children the coordinator
 * spawned in one pass (at most {@link FanoutRecords#DEFAULT_SPAWNS_PER_RECORD} per record).
 */
public record Spawned(String namespace, String fanout, List<Entry> spawns) implements FanoutEvent {

  /**
   * One spawned child.
   *
   * @param worker the DID of the worker its INTEND was sent to
   * @param target the target as resolved: {@code specific:<did>}
   * @param hedge a hedge: attempt + 1 started beside the child's running attempt on another worker
   * @param maxRunning the limit its INTEND carries ({@link ChildIntent#maxRunning}), or 0
   */
  public record Entry(
      int index,
      int attempt,
      String childThread,
      String worker,
      String target,
      boolean hedge,
      int maxRunning) {
    public Entry {
      Objects.requireNonNull(childThread, "childThread");
      Objects.requireNonNull(worker, "worker");
      Objects.requireNonNull(target, "target");
      if (maxRunning < 0) {
        throw new IllegalArgumentException("maxRunning must be 0 or more but was " + maxRunning);
      }
    }
  }

  public Spawned {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fanout, "fanout");
    spawns = List.copyOf(spawns);
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.SPAWNED, namespace, fanout);
    ArrayNode array = body.putArray("spawns");
    for (Entry spawn : spawns) {
      ObjectNode entry = array.addObject();
      entry.put("index", spawn.index());
      entry.put("attempt", spawn.attempt());
      entry.put("child_thread", spawn.childThread());
      entry.put("worker", spawn.worker());
      entry.put("target", spawn.target());
      if (spawn.hedge()) {
        entry.put("hedge", true);
      }
      if (spawn.maxRunning() > 0) {
        entry.put("max_running", spawn.maxRunning());
      }
    }
    return body;
  }

  public static Spawned fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.SPAWNED);
    List<Entry> entries = new ArrayList<>();
    for (WireReader entry : reader.objects("spawns")) {
      entries.add(
          new Entry(
              entry.integer("index", 0),
              entry.integer("attempt", 1),
              entry.text("child_thread"),
              entry.text("worker"),
              entry.text("target"),
              entry.optionalBoolean("hedge"),
              entry.hasNonNull("max_running") ? entry.integer("max_running", 1) : 0));
    }
    return new Spawned(reader.text("namespace"), reader.text("fanout"), entries);
  }
}
