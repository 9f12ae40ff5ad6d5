package dev.spl.daemon.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Record;
import java.security.PublicKey;

/**
 * The routes a daemon serves about its fleet: {@code GET /v1/fleet/status}, {@code GET /v1/rules},
 * and the heartbeats that a coordinator takes instead of appending them. Methods may throw {@link
 * ApiException} to answer with an error.
 */
public interface FleetEndpoints {
  /** No fleet routes: they answer 404. */
  FleetEndpoints NONE =
      new FleetEndpoints() {
        @Override
        public ObjectNode fleetStatus() {
          throw notServed("GET /v1/fleet/status");
        }

        @Override
        public ObjectNode rules() {
          throw notServed("GET /v1/rules");
        }

        @Override
        public boolean takesHeartbeats() {
          return false;
        }

        @Override
        public ObjectNode heartbeat(Record record, PublicKey registers) {
          throw notServed("heartbeats");
        }

        @Override
        public ObjectNode freeze(
            String namespace, String level, Long graceSecs, String reason, String user) {
          throw notServed("POST /v1/control/freeze");
        }

        @Override
        public ObjectNode unfreeze(String namespace, String user) {
          throw notServed("POST /v1/control/unfreeze");
        }

        @Override
        public ObjectNode forget(String instance) {
          throw notServed("POST /v1/fleet/forget");
        }

        private ApiException notServed(String what) {
          return ApiException.notFound("ROUTE_NOT_FOUND", "this daemon does not serve " + what);
        }
      };

  ObjectNode fleetStatus();

  ObjectNode rules();

  /** Whether heartbeat records are diverted to {@link #heartbeat} rather than appended. */
  boolean takesHeartbeats();

  /** Throws {@link ApiException} when this daemon does not take heartbeats (a worker: 409). */
  default void requireHeartbeatTaker() {}

  /**
   * Takes one {@code DO heartbeat} record, whose signature verified, and answers it (200). {@code
   * registers} is the key a first registration brings (its signature verified with it), else null.
   */
  ObjectNode heartbeat(Record record, PublicKey registers);

  /**
   * {@code POST /v1/control/freeze}: writes the freeze record {@code spl kill --namespace} writes,
   * as {@code did:sync:user:<user>}, and answers the stored record.
   *
   * @param level {@code soft}, {@code hard}, or null for soft
   * @param graceSecs null for the default grace window
   */
  ObjectNode freeze(String namespace, String level, Long graceSecs, String reason, String user);

  /**
   * {@code POST /v1/control/unfreeze}: writes the unfreeze record {@code spl unkill --namespace}
   * writes; refused when the namespace is not frozen.
   */
  ObjectNode unfreeze(String namespace, String user);

  /**
   * {@code POST /v1/fleet/forget}: forgets the key an instance (DID or alias) registered with, so
   * it registers again with the key it presents next: how an operator re-admits a worker whose home
   * was recreated.
   */
  ObjectNode forget(String instance);

  /** The fan-out routes this daemon serves ({@link FanoutEndpoints#NONE} when it has none). */
  default FanoutEndpoints fanouts() {
    return FanoutEndpoints.NONE;
  }
}
