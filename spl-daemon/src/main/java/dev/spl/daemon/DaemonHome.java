package dev.spl.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Actors;
import dev.spl.core.Json;
import dev.spl.core.auth.InstanceKey;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.home.HomeLock;
import dev.spl.core.home.KeyFile;
import dev.spl.core.home.PrivateFiles;
import dev.spl.core.home.SettingsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * A daemon's home folder: created if missing, locked for one daemon at a time, holding the instance
 * DID ({@code instance.json}), the settings the daemon last ran with ({@code settings.json}) and,
 * while the daemon runs, its URL ({@code endpoint}) and port ({@code port}). The folder is 0700 and
 * the files 0600 ({@link PrivateFiles}).
 */
final class DaemonHome implements AutoCloseable {
  static final String LOCK_FILE = HomeLock.FILE_NAME;
  static final String INSTANCE_FILE = "instance.json";
  static final String ENDPOINT_FILE = "endpoint";
  static final String PORT_FILE = "port";
  static final String STORE_DIR = "store";

  private final Path dir;
  private final HomeLock lock;
  private final InstanceKey key;

  private DaemonHome(Path dir, HomeLock lock, InstanceKey key) {
    this.dir = dir;
    this.lock = lock;
    this.key = key;
  }

  /**
   * Creates (if needed), locks and reads or initialises the home; {@code clock} dates a new home.
   */
  static DaemonHome open(Path home, Clock clock) {
    Path dir = home.toAbsolutePath().normalize();
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new DaemonStartException("cannot use home " + dir + ": it is not a folder");
    }
    try {
      PrivateFiles.createFolder(dir);
    } catch (IOException e) {
      throw new DaemonStartException(
          "cannot use home "
              + dir
              + ": the folder cannot be created or made private to its owner ("
              + describe(e)
              + ")",
          e);
    }
    HomeLock lock;
    try {
      lock = HomeLock.acquire(dir);
    } catch (HomeLock.HeldException e) {
      throw new DaemonStartException(
          "home "
              + dir
              + " is already in use by another daemon"
              + (e.pid().isPresent()
                  ? " (pid "
                      + e.pid().getAsLong()
                      + (e.pid().getAsLong() == ProcessHandle.current().pid()
                          ? ", this process"
                          : "")
                      + ")"
                  : "")
              + "; stop it or choose another home",
          e);
    } catch (IOException e) {
      throw new DaemonStartException(
          "cannot use home "
              + dir
              + ": cannot lock "
              + dir.resolve(LOCK_FILE)
              + " ("
              + describe(e)
              + ")",
          e);
    }
    try {
      InstanceKey key = loadOrCreateIdentity(dir, clock);
      restrictExisting(dir);
      return new DaemonHome(dir, lock, key);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  Path dir() {
    return dir;
  }

  String did() {
    return key.did();
  }

  /** The daemon's key pair, kept 0600 in {@code instance.key}. */
  InstanceKey key() {
    return key;
  }

  /**
   * The RocksDB folder, created 0700: RocksDB creates its own files with the umask's permissions,
   * and the folder's mode is what keeps other users out of them.
   */
  Path prepareStoreDir() {
    Path store = dir.resolve(STORE_DIR);
    try {
      PrivateFiles.createFolder(store);
    } catch (IOException e) {
      throw new DaemonStartException(
          "cannot use home " + dir + ": cannot make " + store + " private (" + describe(e) + ")",
          e);
    }
    return store;
  }

  /**
   * Homes written before files were private keep 0644 files: make the daemon's own ones 0600. The
   * store folder is made 0700 when it is opened.
   */
  private static void restrictExisting(Path dir) {
    for (String name :
        new String[] {
          INSTANCE_FILE, KeyFile.FILE_NAME, ENDPOINT_FILE, PORT_FILE, SettingsFile.FILE_NAME
        }) {
      Path file = dir.resolve(name);
      try {
        if (Files.isRegularFile(file)) {
          PrivateFiles.restrictFile(file);
        }
      } catch (IOException e) {
        throw new DaemonStartException(
            "cannot use home " + dir + ": cannot make " + file + " private (" + describe(e) + ")",
            e);
      }
    }
  }

  /**
   * The settings the home's last daemon ran with ({@code settings.json}), or empty on a first start
   * (or in a home written before settings were kept).
   */
  Optional<InstanceSettings> storedSettings() {
    try {
      return SettingsFile.read(dir);
    } catch (IllegalArgumentException e) {
      throw new DaemonStartException("cannot use home " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Keeps the settings this daemon runs with, so the next start without options uses them. */
  void writeSettings(InstanceSettings settings) {
    try {
      SettingsFile.write(dir, settings);
    } catch (IOException e) {
      throw new DaemonStartException(
          "cannot use home "
              + dir
              + ": cannot write "
              + SettingsFile.of(dir)
              + " ("
              + describe(e)
              + ")",
          e);
    }
  }

  /** Records where the running daemon can be reached. */
  void writeEndpoint(String url, int port) {
    try {
      writeAtomically(dir.resolve(PORT_FILE), Integer.toString(port));
      writeAtomically(dir.resolve(ENDPOINT_FILE), url);
    } catch (IOException e) {
      throw new DaemonStartException(
          "cannot use home " + dir + ": cannot write the endpoint file (" + describe(e) + ")", e);
    }
  }

  void removeEndpoint() {
    try {
      Files.deleteIfExists(dir.resolve(ENDPOINT_FILE));
    } catch (IOException e) {
      // The next start overwrites it; a stale endpoint only makes the CLI try a dead URL.
    }
  }

  @Override
  public void close() {
    lock.close();
  }

  /**
   * The DID and key pair of the home. A new home gets a key first and the DID it names; a home
   * whose DID is older than keys gets a key for its DID. The key file is written before {@code
   * instance.json}, so a crash in between leaves a home that starts again with the same identity.
   */
  private static InstanceKey loadOrCreateIdentity(Path dir, Clock clock) {
    Path keyFile = KeyFile.of(dir);
    Optional<InstanceKey> kept;
    try {
      kept = KeyFile.read(dir);
    } catch (IOException e) {
      throw new DaemonStartException(
          "cannot use home " + dir + ": cannot read " + keyFile + " (" + describe(e) + ")", e);
    } catch (IllegalArgumentException e) {
      throw new DaemonStartException("cannot use home " + dir + ": " + e.getMessage(), e);
    }
    boolean hasDid = Files.exists(dir.resolve(INSTANCE_FILE));
    InstanceKey key;
    if (hasDid) {
      String did = loadOrCreateDid(dir, clock, null);
      if (kept.isPresent() && !kept.get().did().equals(did)) {
        throw new DaemonStartException(
            "cannot use home "
                + dir
                + ": "
                + keyFile
                + " holds the key of "
                + kept.get().did()
                + " but "
                + dir.resolve(INSTANCE_FILE)
                + " names "
                + did
                + "; restore the files of one instance, or move both away to start a new one");
      }
      key = kept.orElseGet(() -> InstanceKey.generateFor(did));
    } else {
      key = kept.orElseGet(InstanceKey::generate);
    }
    if (kept.isEmpty()) {
      try {
        KeyFile.write(dir, key);
      } catch (IOException e) {
        throw new DaemonStartException(
            "cannot use home " + dir + ": cannot write " + keyFile + " (" + describe(e) + ")", e);
      }
    }
    if (!hasDid) {
      loadOrCreateDid(dir, clock, key.did());
    }
    return key;
  }

  private static String loadOrCreateDid(Path dir, Clock clock, String newDid) {
    Path file = dir.resolve(INSTANCE_FILE);
    try {
      JsonNode node = Json.MAPPER.readTree(Files.readAllBytes(file));
      String did = node == null ? null : node.path("did").asText(null);
      if (!Actors.isInstance(did)) {
        throw new DaemonStartException(
            "cannot use home "
                + dir
                + ": "
                + file
                + " should hold {\"did\":\"did:sync:instance:<16 hex>\"} but holds "
                + (node == null ? "nothing" : node.toString()));
      }
      return did;
    } catch (NoSuchFileException e) {
      String did = newDid;
      ObjectNode node = Json.MAPPER.createObjectNode();
      node.put("did", did);
      node.put("created_at", clock.instant().toString());
      try {
        writeAtomically(file, node.toString() + "\n");
      } catch (IOException writeFailure) {
        throw new DaemonStartException(
            "cannot use home "
                + dir
                + ": cannot write "
                + file
                + " ("
                + describe(writeFailure)
                + ")",
            writeFailure);
      }
      return did;
    } catch (IOException e) {
      throw new DaemonStartException(
          "cannot use home " + dir + ": cannot read " + file + " (" + describe(e) + ")", e);
    }
  }

  private static void writeAtomically(Path target, String content) throws IOException {
    PrivateFiles.write(target, content);
  }

  private static String describe(IOException e) {
    String kind = e.getClass().getSimpleName();
    return switch (kind) {
      case "AccessDeniedException" -> "permission denied: " + e.getMessage();
      case "FileAlreadyExistsException" -> "a file is in the way: " + e.getMessage();
      case "NotDirectoryException" -> "not a folder: " + e.getMessage();
      case "FileSystemException" -> e.getMessage();
      default -> kind + ": " + e.getMessage();
    };
  }
}
