package dev.spl.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spl.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a coordinator's HTTP API (docs/api.md): the fleet status and a thread's records.
 *
 * @param baseUrl where the requests go, e.g. {@code http://127.0.0.1:49153} (a published port)
 * @param host the Host header to send, or null for the one of {@code baseUrl}: a coordinator in a
 *     container answers to its advertised name, not to the published port's
 * @param token the bearer token, or null for none
 */
record CoordinatorApi(String baseUrl, String host, String token) {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** GET on the API; the answer must be 200 and JSON. */
  JsonNode get(String pathAndQuery) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
            .timeout(Duration.ofSeconds(30))
            .header("Accept", "application/json")
            .GET();
    if (host != null) {
      request.header("Host", host);
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response;
    try {
      response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + pathAndQuery + " on " + baseUrl + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "GET "
              + pathAndQuery
              + ": expected 200 but found "
              + response.statusCode()
              + ": "
              + response.body());
    }
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + pathAndQuery + ": not JSON: " + response.body(), e);
    }
  }

  JsonNode fleetStatus() {
    return get("/v1/fleet/status");
  }

  /** The registry entry of the instance with this alias, when the coordinator has one. */
  Optional<JsonNode> instance(String alias) {
    for (JsonNode instance : fleetStatus().path("instances")) {
      if (alias.equals(instance.path("alias").asText())) {
        return Optional.of(instance);
      }
    }
    return Optional.empty();
  }

  /** Waits until every alias is live and healthy in the registry; returns alias to DID. */
  Map<String, String> awaitLive(Duration timeout, String... aliases) {
    Map<String, String> dids = new LinkedHashMap<>();
    for (String alias : aliases) {
      String did =
          Await.untilPresent(
              alias + " live and healthy in the coordinator's registry",
              timeout,
              () ->
                  instance(alias)
                      .filter(i -> i.path("status").asText().equals("live"))
                      .filter(i -> i.path("health").asText().equals("healthy"))
                      .map(i -> i.path("did").asText()));
      dids.put(alias, did);
    }
    return dids;
  }

  /** Every record of a thread, in append order. */
  Ledger thread(String thread) {
    List<JsonNode> records = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonNode page = get("/v1/threads/" + thread + "?after=" + after + "&limit=10000");
      page.path("data").forEach(records::add);
      long next = page.path("next_after").asLong();
      if (page.path("data").size() == 0 || next == after) {
        return new Ledger(records);
      }
      after = next;
    }
  }

  /**
   * Waits until the join of the fan-out whose parent record is {@code parent} has completed on the
   * thread, and returns the thread. While the fleet status lists the fan-out as pending only the
   * status is asked, which costs the coordinator next to nothing even for wide fan-outs.
   */
  Ledger awaitJoin(String thread, String parent, Duration timeout) {
    return Await.untilPresent(
        "the join of fan-out " + parent,
        timeout,
        () -> {
          for (JsonNode pending : fleetStatus().path("fanouts").path("pending")) {
            if (parent.equals(pending.path("fanout").asText())) {
              return Optional.empty();
            }
          }
          Ledger ledger = thread(thread);
          return ledger.topic("fanout_join_complete").isEmpty()
              ? Optional.empty()
              : Optional.of(ledger);
        });
  }
}
