package dev.spl.core;

import java.util.Objects;

/**
 * A record's claim on a unique key of the log: at most one record holds a key, and a store decides
 * the claim in the same atomic write that appends the record (see {@link UniqueKeys}).
 *
 * @param key the key, e.g. {@code alias:docs-v2}
 * @param replaces null when the key must be free; else the id of the record that must hold the key
 *     now, which this record takes it over from (a compare-and-set)
 * @param description what the key stands for, for messages: {@code the task alias 'docs-v2'}
 * @param remedy what a refused writer can do, for messages
 */
public record UniqueClaim(String key, String replaces, String description, String remedy) {
  public UniqueClaim {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(remedy, "remedy");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key: expected a key but found an empty string");
    }
  }

  /**
   * Whether this claim may be taken when {@code holder} (a record id, or null) holds the key: a
   * free key needs no {@code replaces}; a held one must be replaced by naming its holder.
   */
  public boolean allowedOver(String holder) {
    return Objects.equals(replaces, holder);
  }
}
