package dev.spl.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.client.TaskRecords;
import dev.spl.core.Act;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.JoinComplete;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Finds tasks on the coordinator by alias or thread, and tells their status. */
final class Tasks {
  static final String TOPIC = TaskRecords.TOPIC;
  static final String DEFAULT_NAMESPACE = TaskRecords.DEFAULT_NAMESPACE;
  static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private Tasks() {}

  /** A task's genesis INTEND. */
  record Task(StoredRecord genesis) {
    String thread() {
      return genesis.record().thread();
    }

    String id() {
      return genesis.id();
    }

    JsonNode body() {
      return genesis.record().body();
    }

    String title() {
      return body().path("title").asText("");
    }

    String alias() {
      return TaskRecords.alias(genesis);
    }

    String namespace() {
      return TaskRecords.namespace(genesis);
    }

    /** What to call the task in hints: its alias, else its thread. */
    String reference() {
      return alias().isEmpty() ? thread() : alias();
    }
  }

  /** Where a task stands, from its fan-outs (see docs/cli.md, {@code spl task show}). */
  enum Status {
    OPEN("open"),
    FANNED_OUT("fanned out"),
    ACCEPTED("accepted"),
    REJECTED("rejected"),
    PARTIAL("partial"),
    CANCELLED("cancelled");

    private final String label;

    Status(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }

    /** The status once a join completed with {@code verdict}. */
    static Status ofVerdict(String verdict) {
      return switch (verdict) {
        case JoinComplete.ACCEPT -> ACCEPTED;
        case JoinComplete.PARTIAL -> PARTIAL;
        case JoinComplete.CANCELLED -> CANCELLED;
        default -> REJECTED;
      };
    }

    /** Whether the task's latest fan-out has completed its join, with any verdict. */
    boolean complete() {
      return this != OPEN && this != FANNED_OUT;
    }
  }

  static boolean isTaskGenesis(StoredRecord stored) {
    return TaskRecords.isGenesis(stored);
  }

  /** Every task on the daemon, oldest first. */
  static List<Task> all(RecordsApi api) {
    List<Task> tasks = new ArrayList<>();
    for (StoredRecord stored : TaskRecords.all(api)) {
      tasks.add(new Task(stored));
    }
    return tasks;
  }

  /** The task a user named: see {@link TaskRecords#resolve}. */
  static Task resolve(RecordsApi api, String reference) {
    return new Task(TaskRecords.resolve(api, reference));
  }

  /**
   * The status of every task thread that has a fan-out, from three topic queries instead of one
   * thread read per task: the newest fan-out of each thread, whether its join completed, and
   * whether a retry reopened it since.
   */
  static Map<String, Status> statuses(RecordsApi api) {
    Map<String, String> latestFanout = new HashMap<>();
    for (StoredRecord fanout : api.topic(FanoutRecords.FANOUT, Act.INTEND.name())) {
      latestFanout.put(fanout.record().thread(), fanout.id());
    }
    Map<String, Status> statuses = new HashMap<>();
    latestFanout.keySet().forEach(thread -> statuses.put(thread, Status.FANNED_OUT));
    Map<String, Long> joinedAt = new HashMap<>();
    for (StoredRecord stored : api.topic(FanoutRecords.JOIN_COMPLETE, Act.KNOW.name())) {
      String thread = stored.record().thread();
      JoinComplete.of(stored.record())
          .filter(join -> join.fanout().equals(latestFanout.get(thread)))
          .ifPresent(
              join -> {
                statuses.put(thread, Status.ofVerdict(join.verdict()));
                joinedAt.put(thread, stored.seq());
              });
    }
    // A retry with --rebase (it names the commit it starts from) reopens a completed join until a
    // later join record completes it again.
    for (StoredRecord stored : api.topic(FanoutRecords.RETRY, Act.LEARN.name())) {
      String thread = stored.record().thread();
      Long joined = joinedAt.get(thread);
      if (joined != null
          && stored.seq() > joined
          && stored.record().body().hasNonNull("onto")
          && stored.record().body().path("fanout").asText().equals(latestFanout.get(thread))) {
        statuses.put(thread, Status.FANNED_OUT);
      }
    }
    return statuses;
  }
}
