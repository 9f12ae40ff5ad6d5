package dev.spl.core.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import java.util.List;
import java.util.Objects;

/** A freeze of one namespace: the body of a {@code LEARN freeze} record on th_fleet_control. */
public record Freeze(
    String namespace,
    FreezeLevel level,
    long graceSecs,
    String reason,
    String issuedBy,
    long issuedAt) {

  public static final String TOPIC = "freeze";
  public static final long DEFAULT_GRACE_SECS = 60;

  public Freeze {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(issuedBy, "issuedBy");
    if (graceSecs < 0) {
      throw new InvalidRecordException(
          "body.grace_secs: expected a non-negative integer but found " + graceSecs);
    }
  }

  /**
   * For a hard freeze, when in-flight work in the namespace must be stopped ({@code issued_at +
   * grace}); {@code Long.MAX_VALUE} for a soft freeze, which never stops running work.
   */
  public long hardDeadlineMillis() {
    if (level != FreezeLevel.HARD) {
      return Long.MAX_VALUE;
    }
    return issuedAt + graceSecs * 1000;
  }

  public boolean isPastGrace(long nowMillis) {
    return level == FreezeLevel.HARD && nowMillis >= hardDeadlineMillis();
  }

  public ObjectNode toBody() {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", TOPIC);
    body.put("namespace", namespace);
    body.put("level", level.wire());
    body.put("grace_secs", graceSecs);
    body.put("reason", reason);
    body.put("issued_by", issuedBy);
    body.put("issued_at", issuedAt);
    return body;
  }

  public Record toRecord(String actor, long clock) {
    return new Record(ThreadIds.FLEET_CONTROL, actor, Act.LEARN, toBody(), clock, List.of());
  }

  static final List<String> KEYS =
      List.of("topic", "namespace", "level", "grace_secs", "reason", "issued_by", "issued_at");

  /**
   * Reads a freeze body: every key known, {@code namespace} as a request would take it, {@code
   * grace_secs} at most {@link ControlRequests#MAX_GRACE_SECS}.
   */
  public static Freeze fromBody(ObjectNode body) {
    BodyFields.requireOnlyKeys(body, KEYS, "a freeze record");
    String levelText = BodyFields.text(body, "level");
    FreezeLevel level = FreezeLevel.parseOrNull(levelText);
    if (level == null) {
      throw new InvalidRecordException(
          "body.level: expected 'soft' or 'hard' but found '" + levelText + "'");
    }
    return new Freeze(
        ControlRequests.namespaceOf(body),
        level,
        BodyFields.boundedLong(
            body, "grace_secs", ControlRequests.MAX_GRACE_SECS, DEFAULT_GRACE_SECS),
        BodyFields.optionalText(body, "reason", ""),
        BodyFields.optionalText(body, "issued_by", ""),
        BodyFields.nonNegativeLong(body, "issued_at", -1));
  }
}
