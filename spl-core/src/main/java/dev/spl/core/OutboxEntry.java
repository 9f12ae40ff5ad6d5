package dev.spl.core;

import java.util.Objects;

/**
 * A delivery to enqueue with an append: send the record {@code recordId} to the daemon at {@code
 * destination} (a base URL such as {@code http://127.0.0.1:9201}) until it acknowledges it.
 */
public record OutboxEntry(String destination, String recordId) {
  public static final int MAX_DESTINATION_LENGTH = 2048;

  public OutboxEntry {
    requireDestination(destination, "destination");
    RecordIds.requireValid(recordId, "recordId");
  }

  /** Throws unless {@code destination} can be a delivery's destination; {@code field} names it. */
  public static void requireDestination(String destination, String field) {
    Objects.requireNonNull(destination, field);
    if (destination.isBlank()) {
      throw new IllegalArgumentException(field + ": expected a base URL but found ''");
    }
    if (destination.length() > MAX_DESTINATION_LENGTH) {
      throw new IllegalArgumentException(
          field
              + ": expected at most "
              + MAX_DESTINATION_LENGTH
              + " characters but found "
              + destination.length());
    }
  }

  /**
   * What a store throws for {@code deliveries[index]} of an append when its record is neither
   * stored nor among the records of that append.
   */
  public static IllegalArgumentException unknownRecord(int index, String recordId) {
    return new IllegalArgumentException(
        "deliveries["
            + index
            + "].recordId: expected the id of a stored record or of a record in this call"
            + " but found unknown id "
            + recordId);
  }
}
