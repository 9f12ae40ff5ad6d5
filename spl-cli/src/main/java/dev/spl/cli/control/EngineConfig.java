package dev.spl.cli.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.client.RecordsApi;
import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import java.util.List;

/** Writes the operator's configuration records (permission and routing rules). */
final class EngineConfig {
  private EngineConfig() {}

  /**
   * Appends one LEARN with {@code body} to {@code th_engine_config} as the user, its clock after
   * the user's last record there.
   */
  static Record write(CliContext context, ObjectNode body) {
    RecordsApi api = new RecordsApi(context.client());
    String actor = Actors.user(context.userName());
    List<StoredRecord> config = api.thread(ThreadIds.ENGINE_CONFIG);
    Record record =
        new Record(
            ThreadIds.ENGINE_CONFIG,
            actor,
            Act.LEARN,
            body,
            RecordsApi.nextClock(config, actor),
            List.of());
    api.postOne(record);
    return record;
  }
}
