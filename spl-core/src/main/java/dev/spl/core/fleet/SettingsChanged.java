package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import java.util.List;
import java.util.Objects;

/**
 * A daemon started with other settings than it last ran with (a {@code --reconfigure}): the body of
 * the {@code LEARN settings_changed} record it writes on {@code th_instance_registry} of its own
 * log, before it serves anything. {@code changed} lists the settings (by their {@code
 * settings.json} names) whose values differ between {@code from} and {@code to}.
 */
public record SettingsChanged(
    String did, InstanceSettings from, InstanceSettings to, List<String> changed, long at) {

  public static final String TOPIC = "settings_changed";

  public SettingsChanged {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    changed = List.copyOf(changed);
    if (!Actors.isInstance(did)) {
      throw new InvalidRecordException(
          "body.did: expected did:sync:instance:<16 hex> but found '" + did + "'");
    }
    for (String field : changed) {
      if (!InstanceSettings.FIELDS.contains(field)) {
        throw new InvalidRecordException(
            "body.changed: expected names of settings ("
                + String.join(", ", InstanceSettings.FIELDS)
                + ") but found '"
                + field
                + "'");
      }
    }
  }

  /** The change from {@code from} to {@code to} of the instance {@code did}, at {@code at}. */
  public static SettingsChanged of(
      String did, InstanceSettings from, InstanceSettings to, long at) {
    return new SettingsChanged(did, from, to, from.changedFields(to), at);
  }

  public ObjectNode toBody() {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", TOPIC);
    body.put("did", did);
    body.put("alias", to.alias());
    body.set("from", from.toJson());
    body.set("to", to.toJson());
    ArrayNode fields = body.putArray("changed");
    changed.forEach(fields::add);
    body.put("at", at);
    return body;
  }

  /** The record, written by the instance itself on the registry thread of its own log. */
  public Record toRecord(long clock) {
    return new Record(ThreadIds.INSTANCE_REGISTRY, did, Act.LEARN, toBody(), clock, List.of());
  }

  public static SettingsChanged fromBody(ObjectNode body) {
    String topic = BodyFields.optionalText(body, "topic", null);
    if (!TOPIC.equals(topic)) {
      throw new InvalidRecordException(
          "body.topic: expected '"
              + TOPIC
              + "' but found "
              + BodyFields.describe(body.get("topic")));
    }
    JsonNode changed = body.get("changed");
    if (changed == null || !changed.isArray()) {
      throw new InvalidRecordException(
          "body.changed: expected an array of setting names but found "
              + BodyFields.describe(changed));
    }
    List<String> fields = new java.util.ArrayList<>();
    for (int i = 0; i < changed.size(); i++) {
      if (!changed.get(i).isTextual()) {
        throw new InvalidRecordException(
            "body.changed["
                + i
                + "]: expected a string but found "
                + BodyFields.describe(changed.get(i)));
      }
      fields.add(changed.get(i).asText());
    }
    return new SettingsChanged(
        BodyFields.text(body, "did"),
        settings(body, "from"),
        settings(body, "to"),
        fields,
        BodyFields.nonNegativeLong(body, "at"));
  }

  private static InstanceSettings settings(ObjectNode body, String field) {
    if (!(body.get(field) instanceof ObjectNode node)) {
      throw new InvalidRecordException(
          "body."
              + field
              + ": expected the settings as an object but found "
              + BodyFields.describe(body.get(field)));
    }
    return InstanceSettings.fromJson(node, "body." + field + ".");
  }
}
