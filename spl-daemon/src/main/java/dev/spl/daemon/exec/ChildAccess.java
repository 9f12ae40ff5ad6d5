package dev.spl.daemon.exec;

import dev.spl.core.auth.ChildCredential;
import dev.spl.core.auth.InstanceKey;
import java.util.Map;

/**
 * What a shell child is given to reach its coordinator, so it can fan out itself: the coordinator's
 * URL and a credential for its own attempt ({@link ChildCredential}), never the fleet token or the
 * worker's key.
 */
@FunctionalInterface
public interface ChildAccess {
  /** Nothing: the child cannot reach the coordinator. */
  ChildAccess NONE = job -> Map.of();

  /** The environment variables for the attempt {@code job}. */
  Map<String, String> variables(ChildJob job);

  /**
   * The folder put first on a child's {@code PATH}, holding the worker's {@code spl} shim ({@link
   * SplShim}), or null for none.
   */
  default java.nio.file.Path commandsFolder() {
    return null;
  }

  /**
   * {@code SPL_URL} (the coordinator at {@code coordinatorUrl}) and {@code SPL_CHILD_CREDENTIAL},
   * signed with this worker's {@code key} for the attempt's child thread and number.
   */
  static ChildAccess signedBy(InstanceKey key, String coordinatorUrl) {
    return job ->
        Map.of(
            "SPL_URL",
            coordinatorUrl,
            ChildCredential.VARIABLE,
            ChildCredential.issue(key, job.childThread(), job.attempt()).text());
  }

  /** As {@link #signedBy(InstanceKey, String)}, with {@code shims} first on the child's PATH. */
  static ChildAccess signedBy(InstanceKey key, String coordinatorUrl, java.nio.file.Path shims) {
    ChildAccess signed = signedBy(key, coordinatorUrl);
    return new ChildAccess() {
      @Override
      public Map<String, String> variables(ChildJob job) {
        return signed.variables(job);
      }

      @Override
      public java.nio.file.Path commandsFolder() {
        return shims;
      }
    };
  }
}
