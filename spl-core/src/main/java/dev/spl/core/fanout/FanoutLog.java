package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * Reads records of the log that a fold does not keep in memory: the items of a data fan-out's
 * {@code fanout_items} chunks (when a child is spawned or shown) and the {@code fanout_child_done}
 * of a data child (when its summary is shown). Records are immutable, so every read of the same
 * record gives the same answer and the fold's decisions stay a function of the log. The daemon
 * reads its store (the I/O edge); the command line reads the records it fetched.
 */
public interface FanoutLog {
  /** For folds that hold no data fan-outs: every read fails. */
  FanoutLog NONE =
      new FanoutLog() {
        @Override
        public List<JsonNode> items(String chunkId) {
          throw new InvalidFanoutException(
              -1, null, "the items of chunk " + chunkId + " cannot be read here");
        }

        @Override
        public Optional<ChildDone> childDone(long seq) {
          return Optional.empty();
        }
      };

  /**
   * The items of the {@code fanout_items} chunk {@code chunkId}, in order.
   *
   * @throws InvalidFanoutException when the chunk cannot be read
   */
  List<JsonNode> items(String chunkId);

  /** The {@code fanout_child_done} stored at {@code seq}, or empty. */
  Optional<ChildDone> childDone(long seq);
}
