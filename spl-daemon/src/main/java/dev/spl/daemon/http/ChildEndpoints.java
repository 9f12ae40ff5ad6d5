package dev.spl.daemon.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Set;

/**
 * What a worker serves about the children it runs (see {@link ChildRoutes}): the running ones, and
 * the output file of one attempt. Methods may throw {@link ApiException} to answer with an error.
 */
public interface ChildEndpoints {
  /** A daemon that runs no children (the coordinator): the routes answer 404 saying so. */
  ChildEndpoints NONE =
      new ChildEndpoints() {
        @Override
        public ObjectNode running() {
          throw notAWorker();
        }

        @Override
        public Path output(String childThread, Integer attempt) {
          throw notAWorker();
        }

        private ApiException notAWorker() {
          return ApiException.notFound(
              "NOT_A_WORKER",
              "this daemon runs no children; ask the worker the child was spawned on (spl task"
                  + " join-status names it)");
        }
      };

  /**
   * The child INTENDs {@code intendIds} of the request being received come with their coordinator's
   * confirmation for this worker's life {@code workerStartedAt}, given {@code ageMillis} before it
   * was sent (checked by the route): told before they are appended, so that they can start without
   * asking the attempt fence. A daemon that runs no children ignores it.
   */
  default void confirmedOnDelivery(Set<String> intendIds, long workerStartedAt, long ageMillis) {}

  /** {@code {"object":"list","data":[...],"slots":N}}: each running child attempt. */
  ObjectNode running();

  /**
   * The output file of attempt {@code attempt} (null: the latest this worker received) of the child
   * on {@code childThread}, a thread id the route has checked. Throws a 404 {@link ApiException}
   * when the worker has no such child or no output for it.
   */
  Path output(String childThread, Integer attempt);

  /**
   * The file {@code path} (relative, checked by the route) that attempt {@code attempt} of the
   * child on {@code childThread} left in its output folder. Throws a 404 {@link ApiException} when
   * there is none.
   */
  default Path file(String childThread, int attempt, String path) {
    throw ApiException.notFound(
        "NOT_A_WORKER", "this daemon runs no children; ask the worker that holds the file");
  }

  /** What {@code spl} printed and returned when a worker ran it for one of its children. */
  record CommandAnswer(int exitCode, byte[] out, byte[] err) {}

  /**
   * Runs {@code spl} for the running child whose {@code credential} (the text of its {@code
   * SPL_CHILD_CREDENTIAL}) came with {@code request} (see {@link ChildRoutes}). Throws {@link
   * ApiException}: 401 or 403 for a credential that does not count, 404 when this daemon does not
   * run the command.
   */
  default CommandAnswer runCommand(String credential, byte[] request) {
    throw ApiException.notFound(
        "NOT_A_WORKER", "this daemon runs no children, so it runs no spl command for one");
  }
}
