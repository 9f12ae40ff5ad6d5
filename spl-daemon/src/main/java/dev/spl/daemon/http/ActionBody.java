package dev.spl.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The JSON object of an operator action ({@code POST /v1/control/freeze}, a retry): read strictly,
 * with the fields it may have, each of one type. An empty body is an empty object.
 */
final class ActionBody {
  /** A user name as it goes into {@code did:sync:user:<name>}. */
  static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  /** Who wrote an action that names nobody. */
  static final String DEFAULT_USER = "dashboard";

  private final ObjectNode body;

  private ActionBody(ObjectNode body) {
    this.body = body;
  }

  static ActionBody parse(byte[] bytes, Set<String> allowed) {
    if (bytes.length == 0) {
      return new ActionBody(Json.MAPPER.createObjectNode());
    }
    JsonNode node;
    try {
      node = Json.parse(bytes);
    } catch (MalformedJsonException e) {
      throw ApiException.badRequest("MALFORMED_JSON", "request body: " + e.getMessage());
    }
    if (node.isMissingNode()) {
      return new ActionBody(Json.MAPPER.createObjectNode());
    }
    if (!node.isObject()) {
      throw ApiException.badRequest(
          "INVALID_REQUEST",
          "request body: expected a JSON object but found " + node.getNodeType().toString());
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiException.badRequest(
            "INVALID_REQUEST",
            "request body: unknown field '"
                + name
                + "' (expected "
                + String.join(", ", new TreeSet<>(allowed))
                + ")");
      }
    }
    return new ActionBody((ObjectNode) node);
  }

  /** A text field, or null when absent or null. */
  String text(String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw ApiException.badRequest(
          "INVALID_REQUEST",
          field + ": expected a string but found " + value.getNodeType().toString());
    }
    return value.textValue();
  }

  /** A whole-number field, or null when absent or null. */
  Long whole(String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw ApiException.badRequest(
          "INVALID_REQUEST", field + ": expected a whole number but found " + value);
    }
    return value.longValue();
  }

  /** The {@code user} field checked, or {@link #DEFAULT_USER}. */
  String user() {
    String user = text("user");
    if (user == null) {
      return DEFAULT_USER;
    }
    if (!USER.matcher(user).matches()) {
      throw ApiException.badRequest(
          "INVALID_REQUEST",
          "user: expected 1 to 64 letters, digits or . _ @ - (it names did:sync:user:<user>) but"
              + " found '"
              + (user.length() > 80 ? user.substring(0, 80) + "..." : user)
              + "'");
    }
    return user;
  }
}
