package dev.spl.daemon.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

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
}
