package dev.spl.cli.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.client.RecordsApi;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.JoinStatus;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code spl task join-status T --tree}: a task's fan-out and the fan-outs its children made
 * themselves, level by level, each folded from its own thread as {@link TaskFold} folds a task. One
 * query finds the threads that hold a fan-out; only those children are read.
 */
final class NestedTree {
  /** One fan-out of the tree: where it stands, which child of the level above made it. */
  record Node(int depth, Integer outerIndex, JoinStatus status, List<Node> nested) {}

  /** Children, completed and waiting counts of one level. */
  record Level(int depth, int fanouts, int children, int completed, int waiting) {}

  private NestedTree() {}

  static Node load(RecordsApi api, FanoutState root) {
    Set<String> withFanout = new HashSet<>();
    for (StoredRecord stored : api.topic(FanoutRecords.FANOUT, Act.INTEND.name())) {
      withFanout.add(stored.record().thread());
    }
    return node(api, root, 1, null, withFanout);
  }

  private static Node node(
      RecordsApi api, FanoutState state, int depth, Integer outerIndex, Set<String> withFanout) {
    List<Node> nested = new ArrayList<>();
    for (int i = 0; i < state.width(); i++) {
      String thread = state.childThread(i);
      if (!withFanout.contains(thread)) {
        continue;
      }
      FanoutState inner = TaskFold.load(api, thread).fanout().orElse(null);
      if (inner != null) {
        nested.add(node(api, inner, depth + 1, i, withFanout));
      }
    }
    return new Node(depth, outerIndex, JoinStatus.of(state), List.copyOf(nested));
  }

  static List<Level> levels(Node root) {
    TreeMap<Integer, int[]> sums = new TreeMap<>();
    add(root, sums);
    List<Level> levels = new ArrayList<>();
    sums.forEach((depth, s) -> levels.add(new Level(depth, s[0], s[1], s[2], s[3])));
    return levels;
  }

  private static void add(Node node, TreeMap<Integer, int[]> sums) {
    int[] s = sums.computeIfAbsent(node.depth(), d -> new int[4]);
    s[0]++;
    s[1] += node.status().subtasks();
    s[2] += node.status().completed();
    s[3] += waiting(node.status());
    node.nested().forEach(child -> add(child, sums));
  }

  private static int waiting(JoinStatus status) {
    int n = 0;
    for (JoinStatus.SubtaskStatus line : status.perSubtask()) {
      if (JoinStatus.WAITING_FOR_NESTED.equals(line.state())) {
        n++;
      }
    }
    return n;
  }

  static ObjectNode toJson(Node root) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("object", "join_status_tree");
    ArrayNode levels = out.putArray("levels");
    for (Level level : levels(root)) {
      ObjectNode row = levels.addObject();
      row.put("depth", level.depth());
      row.put("fanouts", level.fanouts());
      row.put("children", level.children());
      row.put("completed", level.completed());
      row.put("waiting_for_nested", level.waiting());
    }
    out.set("root", nodeJson(root));
    return out;
  }

  private static ObjectNode nodeJson(Node node) {
    JoinStatus status = node.status();
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("depth", node.depth());
    if (node.outerIndex() == null) {
      out.putNull("outer_index");
    } else {
      out.put("outer_index", node.outerIndex());
    }
    out.put("thread", status.fanout().thread());
    out.put("fanout", status.fanout().id());
    out.put("subtasks", status.subtasks());
    out.put("spawned", status.spawned());
    out.put("completed", status.completed());
    out.put("waiting_for_nested", waiting(status));
    out.put("complete", status.complete());
    out.put("verdict", status.verdict());
    out.put("fanin_status", status.fanin().status());
    if (status.reduced() != null) {
      out.set("reduced", status.reduced());
    }
    ArrayNode nested = out.putArray("nested");
    node.nested().forEach(child -> nested.add(nodeJson(child)));
    return out;
  }

  static void render(PrintStream out, Node root, String task) {
    out.println("Fan-out tree of " + task);
    for (Level level : levels(root)) {
      out.println(
          "  level "
              + level.depth()
              + ": "
              + level.fanouts()
              + " fan-out(s), "
              + level.completed()
              + "/"
              + level.children()
              + " children done"
              + (level.waiting() > 0 ? ", " + level.waiting() + " waiting for nested fan-in" : ""));
    }
    line(out, root);
  }

  private static String reducedInline(com.fasterxml.jackson.databind.JsonNode reduced) {
    if (reduced == null) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    reduced.fields().forEachRemaining(e -> parts.add(ReducedText.line(e.getKey(), e.getValue())));
    return "; " + String.join("; ", parts);
  }

  private static void line(PrintStream out, Node node) {
    JoinStatus status = node.status();
    String indent = "  ".repeat(node.depth());
    String verdict = status.complete() ? status.verdict() : "running";
    out.println(
        indent
            + (node.outerIndex() == null ? "" : "child " + node.outerIndex() + " → ")
            + status.fanout().id().substring(0, 12)
            + "  "
            + status.completed()
            + "/"
            + status.subtasks()
            + " done, "
            + verdict
            + reducedInline(status.reduced()));
    node.nested().forEach(child -> line(out, child));
  }
}
