package dev.spl.daemon.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code spl} a worker puts first on its shell children's {@code PATH}: a bash script that
 * sends the command's arguments, working directory and environment to the worker ({@code POST
 * /v1/children/spl}, authenticated by the child's {@code SPL_CHILD_CREDENTIAL}) and prints what the
 * worker's JVM answered, so a child's {@code spl task fan-out} costs no JVM start. The script uses
 * bash's {@code /dev/tcp} and coreutils' {@code head}, {@code cat} and {@code wc}; whatever the
 * worker does not run goes to the next {@code spl} on {@code PATH}.
 */
public final class SplShim {
  /** The folder under the worker's home that holds the shim. */
  public static final String FOLDER = "child-bin";

  private static final Logger LOG = LoggerFactory.getLogger(SplShim.class);
  private static final String RESOURCE = "spl-shim.sh";

  private SplShim() {}

  /**
   * Writes {@code HOME/child-bin/spl} for the worker at {@code workerUrl} and returns its folder;
   * null when the worker is not reachable over plain HTTP on the loopback address (the shim speaks
   * no TLS) or the file cannot be written, and then children run the launcher as before.
   */
  public static Path install(Path home, String workerUrl) {
    Integer port = loopbackPort(workerUrl);
    if (port == null) {
      return null;
    }
    Path folder = home.resolve(FOLDER).toAbsolutePath();
    try {
      Files.createDirectories(folder);
      String script =
          template()
              .replace("@PORT@", Integer.toString(port))
              .replace("@DIR@", "'" + folder.toString().replace("'", "'\\''") + "'");
      Path written = folder.resolve("spl.new");
      Files.writeString(written, script, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(written, PosixFilePermissions.fromString("rwx------"));
      Files.move(
          written,
          folder.resolve("spl"),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      return folder;
    } catch (IOException | UncheckedIOException | UnsupportedOperationException e) {
      LOG.warn("could not write the children's spl shim in {}: {}", folder, e.getMessage());
      return null;
    }
  }

  /** The port of {@code http://127.0.0.1:PORT} or {@code http://localhost:PORT}, else null. */
  static Integer loopbackPort(String url) {
    try {
      URI uri = URI.create(url);
      String host = uri.getHost();
      if (!"http".equals(uri.getScheme())
          || uri.getPort() <= 0
          || !("127.0.0.1".equals(host) || "localhost".equals(host))) {
        return null;
      }
      return uri.getPort();
    } catch (IllegalArgumentException | NullPointerException e) {
      return null;
    }
  }

  static String template() {
    try (InputStream in = SplShim.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new UncheckedIOException(new IOException("missing resource " + RESOURCE));
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
