package dev.spl.daemon.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.RecordStore;
import dev.spl.core.auth.Ed25519;
import dev.spl.core.auth.InstanceKey;
import dev.spl.core.home.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a daemon knows about identities: its own key, and the keys of the daemons it takes signed
 * records from. A coordinator learns each worker's key when the worker registers (its first
 * heartbeat, which needs the fleet token) and keeps them in store metadata; a worker learns its
 * coordinator's DID and key from the answer to its heartbeat and keeps them in {@code
 * coordinator.json} (0600) in its home. A DID's key never changes silently: a different key for a
 * known DID is refused until an operator forgets the old one.
 *
 * <p>Thread-safe.
 */
public final class Trust {
  private static final Logger LOG = LoggerFactory.getLogger(Trust.class);
  static final String META_KEYS = "auth.keys";
  public static final String COORDINATOR_FILE = "coordinator.json";

  private final InstanceKey key;
  private final RecordStore store; // where registered keys are kept; null: nowhere
  private final Path home; // where a worker keeps its coordinator; null: nowhere
  private final Map<String, PublicKey> registered = new TreeMap<>();
  private final RefusalCounts refusals = new RefusalCounts();
  private volatile Known coordinator;

  /** The coordinator a worker trusts. */
  public record Known(String did, PublicKey key) {}

  private Trust(InstanceKey key, RecordStore store, Path home) {
    this.key = key;
    this.store = store;
    this.home = home;
  }

  /** The trust of a daemon whose home is {@code home} and whose metadata lives in {@code store}. */
  public static Trust load(InstanceKey key, RecordStore store, Path home) {
    Trust trust = new Trust(key, store, home);
    store.getMeta(META_KEYS).ifPresent(trust::readRegistered);
    trust.coordinator = trust.readCoordinatorFile();
    return trust;
  }

  /** The trust of a context built outside a daemon, kept in memory only. */
  public static Trust inMemory(InstanceKey key) {
    return new Trust(key, null, null);
  }

  public InstanceKey key() {
    return key;
  }

  public String did() {
    return key.did();
  }

  public RefusalCounts refusals() {
    return refusals;
  }

  /** The key of {@code did} if this daemon knows it: its own, its coordinator's, a worker's. */
  public synchronized Optional<PublicKey> keyOf(String did) {
    if (did.equals(key.did())) {
      return Optional.of(key.publicKey());
    }
    Known known = coordinator;
    if (known != null && known.did().equals(did)) {
      return Optional.of(known.key());
    }
    return Optional.ofNullable(registered.get(did));
  }

  /** The coordinator a worker learned, if it has. */
  public Optional<Known> coordinator() {
    return Optional.ofNullable(coordinator);
  }

  /** Keeps {@code did}'s key, learned at its registration; a key already kept is never replaced. */
  public synchronized void register(String did, PublicKey publicKey) {
    PublicKey existing = registered.putIfAbsent(did, publicKey);
    if (existing == null) {
      persistRegistered();
      LOG.info("registered the key of {}", did);
    }
  }

  /** Forgets {@code did}'s key, so it registers again with the key it presents next. */
  public synchronized boolean forget(String did) {
    boolean removed = registered.remove(did) != null;
    if (removed) {
      persistRegistered();
      LOG.info("forgot the key of {}; its next heartbeat registers the key it presents", did);
    }
    return removed;
  }

  /**
   * Takes the coordinator a heartbeat answer named. The first one is kept; a different DID or key
   * afterwards is refused (false) and logged, so a new coordinator (or an impostor at its URL)
   * cannot take over the worker.
   */
  public synchronized boolean learnCoordinator(String did, String publicKeyText, String url) {
    PublicKey publicKey;
    try {
      publicKey = Ed25519.parsePublicKey(publicKeyText);
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "the coordinator at {} answered a heartbeat without a usable key: {}",
          url,
          e.getMessage());
      return false;
    }
    Known known = coordinator;
    if (known != null) {
      if (known.did().equals(did) && known.key().equals(publicKey)) {
        return true;
      }
      LOG.error(
          "the coordinator at {} presents {} ({}), but this worker trusts {} ({}); it runs no"
              + " children from it. If the coordinator was replaced on purpose, stop this worker,"
              + " delete {} and start it again",
          url,
          did,
          publicKeyText,
          known.did(),
          Ed25519.publicKeyText(known.key()),
          home == null ? COORDINATOR_FILE : home.resolve(COORDINATOR_FILE));
      return false;
    }
    coordinator = new Known(did, publicKey);
    writeCoordinatorFile(did, publicKeyText);
    LOG.info("learned the coordinator {} at {}", did, url);
    return true;
  }

  private void readRegistered(byte[] bytes) {
    try {
      JsonNode node = Json.MAPPER.readTree(bytes);
      for (var entry : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
        try {
          registered.put(entry.getKey(), Ed25519.parsePublicKey(entry.getValue().asText()));
        } catch (IllegalArgumentException e) {
          LOG.warn("skipping the kept key of {}: {}", entry.getKey(), e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.warn("the registered keys in metadata do not parse: {}", e.getMessage());
    }
  }

  private void persistRegistered() {
    if (store == null) {
      return;
    }
    ObjectNode node = Json.MAPPER.createObjectNode();
    registered.forEach((did, publicKey) -> node.put(did, Ed25519.publicKeyText(publicKey)));
    try {
      store.putMeta(META_KEYS, Json.MAPPER.writeValueAsBytes(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private Known readCoordinatorFile() {
    if (home == null) {
      return null;
    }
    Path file = home.resolve(COORDINATOR_FILE);
    try {
      JsonNode node = Json.MAPPER.readTree(Files.readAllBytes(file));
      PrivateFiles.restrictFile(file);
      return new Known(
          node.path("did").asText(), Ed25519.parsePublicKey(node.path("public_key").asText(null)));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn(
          "{} does not hold a usable coordinator ({}); the worker learns its coordinator again"
              + " from the answer to its next heartbeat",
          file,
          e.getMessage());
      return null;
    }
  }

  private void writeCoordinatorFile(String did, String publicKeyText) {
    if (home == null) {
      return;
    }
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("did", did);
    node.put("public_key", publicKeyText);
    try {
      PrivateFiles.write(home.resolve(COORDINATOR_FILE), node.toString() + "\n");
    } catch (IOException e) {
      LOG.warn(
          "cannot keep the coordinator in {}: {}; it is learned again after a restart",
          home.resolve(COORDINATOR_FILE),
          e.getMessage());
    }
  }
}
