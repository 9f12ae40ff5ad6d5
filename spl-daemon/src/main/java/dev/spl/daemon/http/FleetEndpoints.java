package dev.spl.daemon.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Record;

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
        public ObjectNode heartbeat(Record record) {
          throw notServed("heartbeats");
        }

        private ApiException notServed(String what) {
          return ApiException.notFound("ROUTE_NOT_FOUND", "this daemon does not serve " + what);
        }
      };

  ObjectNode fleetStatus();

  ObjectNode rules();

  /** Whether heartbeat records are diverted to {@link #heartbeat} rather than appended. */
  boolean takesHeartbeats();

  /** Takes one {@code DO heartbeat} record and answers it (200). */
  ObjectNode heartbeat(Record record);
}
