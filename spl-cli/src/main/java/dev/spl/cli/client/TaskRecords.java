package dev.spl.cli.client;

import dev.spl.cli.CliException;
import dev.spl.core.Act;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tasks as the coordinator keeps them: the genesis {@code INTEND} of topic {@code task} on each
 * task's thread. Every command that takes a task by alias or thread id finds it here, so they all
 * accept the same names.
 */
public final class TaskRecords {
  public static final String TOPIC = "task";
  public static final String DEFAULT_NAMESPACE = "default";

  private TaskRecords() {}

  public static boolean isGenesis(StoredRecord stored) {
    return stored.record().act() == Act.INTEND && TOPIC.equals(stored.record().topic());
  }

  /** Every task's genesis on the daemon, oldest first. */
  public static List<StoredRecord> all(RecordsApi api) {
    return new ArrayList<>(api.topic(TOPIC, Act.INTEND.name()));
  }

  public static String alias(StoredRecord genesis) {
    return genesis.record().body().path("alias").asText("");
  }

  /** The namespace of the task's work ({@value #DEFAULT_NAMESPACE} when it names none). */
  public static String namespace(StoredRecord genesis) {
    String namespace = genesis.record().body().path("namespace").asText("");
    return namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
  }

  /** Task thread to alias, for every task that has one. */
  public static Map<String, String> aliasesByThread(RecordsApi api) {
    Map<String, String> aliases = new LinkedHashMap<>();
    for (StoredRecord genesis : all(api)) {
      String alias = alias(genesis);
      if (!alias.isEmpty()) {
        aliases.putIfAbsent(genesis.record().thread(), alias);
      }
    }
    return aliases;
  }

  /**
   * The genesis of the task a user named: a thread id ({@code th_...}) or an alias (one task holds
   * an alias), found by one request without reading the thread or every task. An unknown one is bad
   * input naming what was looked for.
   */
  public static StoredRecord resolve(RecordsApi api, String reference) {
    if (reference == null || reference.isBlank()) {
      throw CliException.badInput("task: expected an alias or a thread id but found nothing");
    }
    String wanted = reference.trim();
    boolean thread = wanted.startsWith("th_");
    if (thread && (!ThreadIds.isValid(wanted) || ThreadIds.RESERVED.contains(wanted))) {
      throw CliException.badInput(
          "task: expected an alias or a thread id ('th_' + 64 hex) but found '" + wanted + "'");
    }
    return api.task(wanted)
        .orElseThrow(
            () ->
                CliException.badInput(
                    thread
                        ? "unknown task '"
                            + wanted
                            + "': no task was created on that thread at "
                            + api.client().baseUrl()
                        : "unknown task '"
                            + wanted
                            + "': no task has that alias at "
                            + api.client().baseUrl()
                            + " (see `spl task list`)"));
  }
}
