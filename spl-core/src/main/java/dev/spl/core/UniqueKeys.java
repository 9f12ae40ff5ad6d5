package dev.spl.core;

import java.util.Optional;
import java.util.Set;

/**
 * Which records claim a unique key of the log. A store given a {@code UniqueKeys} checks and takes
 * each new record's claim in the same atomic write that appends it, under its write lock, so two
 * writers racing for one key cannot both win: the second gets {@link UniqueKeyConflictException}
 * and nothing of its call is stored. A record whose id is already stored is a no-op, never a
 * conflict.
 */
public interface UniqueKeys {
  /** No record claims anything. */
  UniqueKeys NONE =
      new UniqueKeys() {
        @Override
        public Optional<UniqueClaim> claimOf(Record record) {
          return Optional.empty();
        }

        @Override
        public String version() {
          return "none";
        }

        @Override
        public Set<String> topics() {
          return Set.of();
        }
      };

  /** The claim {@code record} makes, if any. Pure: the same record always makes the same claim. */
  Optional<UniqueClaim> claimOf(Record record);

  /**
   * Names these rules. A store keeps it beside its index of claims and, when it opens with rules of
   * another version, rebuilds the index from its log: so change it whenever {@link #claimOf} would
   * answer differently for some record.
   */
  String version();

  /** The {@code body.topic}s of the records that may claim: a rebuild reads only those. */
  Set<String> topics();
}
