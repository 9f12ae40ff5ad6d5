package dev.spl.daemon.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.worker.AttemptQuestion;

/**
 * The fan-out routes of the coordinator (see docs/api.md, "Fan-outs"): summaries and pages of
 * children read from the reconciler's fold, and the retry of one child. The parameters arrive
 * checked by {@link FanoutRoutes}; methods may throw {@link ApiException} to answer with an error.
 */
public interface FanoutEndpoints {
  /** No fan-out routes (a daemon without a reconciler): they answer 404. */
  FanoutEndpoints NONE =
      new FanoutEndpoints() {
        @Override
        public ObjectNode list(String thread, String status, int limit) {
          throw notServed();
        }

        @Override
        public ObjectNode fanout(String id) {
          throw notServed();
        }

        @Override
        public ObjectNode children(
            String id, int afterIndex, long changedAfter, int limit, int summaryChars) {
          throw notServed();
        }

        @Override
        public ObjectNode retry(String id, int index, String hint, String user) {
          throw notServed();
        }

        @Override
        public ObjectNode speedup(String id, Double measuredSerialWallSecs) {
          throw notServed();
        }

        @Override
        public ObjectNode attemptStanding(AttemptQuestion question) {
          throw notServed();
        }

        private ApiException notServed() {
          return ApiException.notFound(
              "ROUTE_NOT_FOUND", "this daemon does not serve the fan-out routes");
        }
      };

  /**
   * {@code GET /v1/fanouts}: open fan-outs first, then completed ones, each newest first.
   *
   * @param thread only the fan-outs of this task thread, or null
   * @param status {@code open}, {@code complete} or {@code all}
   */
  ObjectNode list(String thread, String status, int limit);

  /** {@code GET /v1/fanouts/{id}}: the join status summary of one fan-out. */
  ObjectNode fanout(String id);

  /**
   * {@code GET /v1/fanouts/{id}/speedup}: the fan-out's speedup report ({@code
   * SpeedupReport.toJson}) with the slots the registry knows of its workers.
   *
   * @param measuredSerialWallSecs the measured wall of the same work run serially, or null
   */
  ObjectNode speedup(String id, Double measuredSerialWallSecs);

  /**
   * {@code GET /v1/fanouts/{id}/children}: children with an index above {@code afterIndex} (-1:
   * from the first), only those changed after version {@code changedAfter} when it is above 0.
   *
   * @param summaryChars each child's summary is cut to its last this many characters
   */
  ObjectNode children(String id, int afterIndex, long changedAfter, int limit, int summaryChars);

  /**
   * {@code POST /v1/fanouts/{id}/children/{index}/retry}: writes the retry record {@code spl task
   * retry} writes, as {@code did:sync:user:<user>}.
   *
   * @param hint passed to the new attempt, or null
   */
  ObjectNode retry(String id, int index, String hint, String user);

  /**
   * {@code GET /v1/fanouts/{id}/results}: each child's result (its current attempt's) in index
   * order, after {@code afterIndex}, only children in one of {@code states} when it is not empty.
   *
   * @param lines JSON lines ({@code format=jsonl}): the page's fields on the first line, then one
   *     row a line, in place of one object with the rows in {@code data}
   */
  default StreamedJson results(
      String id, int afterIndex, int limit, java.util.Set<String> states, boolean lines) {
    throw ApiException.notFound("ROUTE_NOT_FOUND", "this daemon does not serve the fan-out routes");
  }

  /**
   * An answer written straight to the response as it is produced, for pages too large to build as a
   * tree first. Everything that can refuse the request is checked before one is returned.
   */
  @FunctionalInterface
  interface StreamedJson {
    void writeTo(com.fasterxml.jackson.core.JsonGenerator out) throws java.io.IOException;
  }

  /**
   * {@code POST /v1/attempts/standing}: whether each attempt a worker holds may run ({@link
   * dev.spl.core.worker.AttemptFence}).
   */
  ObjectNode attemptStanding(AttemptQuestion question);

  /**
   * Whether attempt {@code attempt} of child {@code index} of {@code fanout} is running on {@code
   * worker} now: its current attempt, spawned there, its command not finished. What a child
   * credential needs to count ({@link dev.spl.core.auth.ChildCredential}).
   */
  default boolean childAttemptRunning(String fanout, int index, int attempt, String worker) {
    return false;
  }
}
