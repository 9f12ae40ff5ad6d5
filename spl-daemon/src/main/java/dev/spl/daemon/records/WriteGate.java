package dev.spl.daemon.records;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Record;
import java.util.Optional;

/**
 * Decides whether a valid record may be written. Consulted for every record of a request before
 * anything is appended; one refusal refuses the whole request.
 */
@FunctionalInterface
public interface WriteGate {
  WriteGate ALLOW_ALL = record -> Optional.empty();

  Optional<Refusal> check(Record record);

  /**
   * Why a record may not be written, as the HTTP API answers it (e.g. 403 NAMESPACE_FROZEN). {@code
   * details} (may be null) are extra fields of the error envelope, e.g. the namespace and the
   * reason of a freeze.
   */
  record Refusal(int httpStatus, String code, String message, ObjectNode details) {
    public Refusal(int httpStatus, String code, String message) {
      this(httpStatus, code, message, null);
    }
  }
}
