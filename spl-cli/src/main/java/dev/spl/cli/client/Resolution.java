package dev.spl.cli.client;

import dev.spl.cli.CliException;
import dev.spl.core.home.FleetToken;
import dev.spl.core.home.HomeLock;
import dev.spl.core.tls.TlsTrust;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where {@code spl} looks for its home, its daemon and its token. Each rule is a plain function of
 * the flag, the environment and the file system, so it can be tested without a process.
 */
public final class Resolution {
  public static final int DEFAULT_PORT = 9100;
  public static final String DEFAULT_URL = "http://127.0.0.1:" + DEFAULT_PORT;
  public static final String DEFAULT_HOME_NAME = ".syncro";

  /**
   * A daemon URL and where it came from, so messages can say why spl looked there. {@code
   * notServing} is set when the URL would have come from the home but the home's lock is free: no
   * daemon serves it, and whatever answers at that URL (a stale endpoint file, the default port) is
   * not its daemon.
   */
  public record Endpoint(String url, String source, String notServing) {
    public Endpoint(String url, String source) {
      this(url, source, null);
    }

    public boolean serving() {
      return notServing == null;
    }
  }

  private Resolution() {}

  /**
   * The user's home, what {@code ~} means: {@code $HOME} when it is set, else Java's {@code
   * user.home} (from the password database, which a container, {@code sudo} or a CI job with a
   * {@code HOME} of its own does not follow).
   */
  public static String userHome(Map<String, String> env) {
    String home = env.get("HOME");
    return present(home) ? home.trim() : System.getProperty("user.home");
  }

  /** {@code --home}, else {@code SPL_HOME}, else {@code ~/.syncro}; always absolute. */
  public static Path home(Path flag, Map<String, String> env, String userHome) {
    Path chosen;
    if (flag != null) {
      chosen = flag;
    } else if (present(env.get("SPL_HOME"))) {
      chosen = Path.of(expandTilde(env.get("SPL_HOME").trim(), userHome));
    } else {
      chosen = Path.of(userHome, DEFAULT_HOME_NAME);
    }
    return chosen.toAbsolutePath().normalize();
  }

  /**
   * {@code --url}, else {@code SPL_URL}, else the endpoint the daemon wrote into the home, else
   * {@value #DEFAULT_URL}. When the home has a lock file ({@code daemon.lock}) that nobody holds,
   * its daemon has stopped: the endpoint is marked {@linkplain Endpoint#notServing not serving}
   * rather than sending the request to whatever answers at its old URL or the default one.
   */
  public static Endpoint endpoint(String flag, Map<String, String> env, Path home) {
    if (present(flag)) {
      return new Endpoint(normalizeUrl(flag.trim(), "--url"), "--url");
    }
    if (present(env.get("SPL_URL"))) {
      return new Endpoint(normalizeUrl(env.get("SPL_URL").trim(), "SPL_URL"), "SPL_URL");
    }
    Path endpointFile = new HomeLayout(home).endpointFile();
    String written = readEndpointFile(endpointFile);
    Endpoint found =
        written != null
            ? new Endpoint(normalizeUrl(written, endpointFile.toString()), endpointFile.toString())
            : new Endpoint(DEFAULT_URL, "default");
    Path lockFile = home.resolve(HomeLock.FILE_NAME);
    if (Files.exists(lockFile) && HomeLock.probe(home) instanceof HomeLock.Free) {
      return new Endpoint(
          found.url(),
          found.source(),
          "no spl daemon is running for the home "
              + home
              + " (its lock "
              + lockFile
              + " is free: the daemon that used it has stopped)");
    }
    return found;
  }

  /**
   * The fleet token and where it came from. {@code file} is the file that keeps it, or null when it
   * was given on the command line or in the environment.
   */
  public record Token(String value, Path file, String source) {
    @Override
    public String toString() {
      return "Token[" + source + "]";
    }
  }

  /**
   * {@code --token}, else {@code --token-file}, else {@code SPL_TOKEN}, else the home's {@code
   * token} file, else null (no Authorization header). A token that is too short or holds control
   * characters, and a token file other users may read, are refused.
   */
  public static Token token(String flag, Path fileFlag, Map<String, String> env, Path home) {
    if (flag != null && fileFlag != null) {
      throw CliException.badInput("--token and --token-file: give one of them, not both");
    }
    if (flag != null) {
      return checked(flag, null, "--token");
    }
    if (fileFlag != null) {
      Path file = fileFlag.toAbsolutePath().normalize();
      return new Token(readTokenFile(file), file, "--token-file " + file);
    }
    String fromEnv = env.get(FleetToken.VARIABLE);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return checked(fromEnv, null, FleetToken.VARIABLE);
    }
    Path file = tokenFile(home);
    if (Files.isRegularFile(file)) {
      return new Token(readTokenFile(file), file, file.toString());
    }
    return null;
  }

  /** The environment variable naming the CA file the CLI trusts. */
  public static final String TLS_CA_VARIABLE = "SPL_TLS_CA";

  /**
   * Whom HTTPS requests trust: {@code --tls-ca}, else {@code SPL_TLS_CA}, else the system trust
   * store. A CA file that cannot be read is refused with its name.
   */
  public static TlsTrust trust(Path flag, Map<String, String> env) {
    try {
      if (flag != null) {
        return TlsTrust.caFile(flag.toAbsolutePath().normalize(), "--tls-ca");
      }
      String fromEnv = env.get(TLS_CA_VARIABLE);
      if (present(fromEnv)) {
        return TlsTrust.caFile(
            Path.of(fromEnv.trim()).toAbsolutePath().normalize(), TLS_CA_VARIABLE);
      }
    } catch (IllegalArgumentException e) {
      throw CliException.badInput(e.getMessage());
    }
    return TlsTrust.system();
  }

  /** Where a home keeps its fleet token. */
  public static Path tokenFile(Path home) {
    return home.resolve(FleetToken.FILE_NAME);
  }

  private static Token checked(String value, Path file, String source) {
    try {
      FleetToken.check(value, source);
    } catch (IllegalArgumentException e) {
      throw CliException.badInput(e.getMessage());
    }
    return new Token(value, file, source);
  }

  private static String readTokenFile(Path file) {
    try {
      return FleetToken.read(file);
    } catch (IllegalArgumentException e) {
      throw CliException.badInput(e.getMessage());
    }
  }

  /**
   * The URL in an endpoint file, or null when the file is missing or empty. The file holds the URL
   * on its first line; a JSON object with a {@code url} field is accepted too.
   */
  public static String readEndpointFile(Path file) {
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw CliException.failure("cannot read the daemon endpoint file " + file + ": " + e);
    }
    if (content.isEmpty()) {
      return null;
    }
    if (content.startsWith("{")) {
      try {
        var url = dev.spl.core.Json.MAPPER.readTree(content).get("url");
        return url != null && url.isTextual() ? url.textValue().trim() : null;
      } catch (IOException e) {
        throw CliException.failure(
            "the daemon endpoint file " + file + " is not valid JSON: " + e.getMessage());
      }
    }
    int newline = content.indexOf('\n');
    return (newline < 0 ? content : content.substring(0, newline)).trim();
  }

  /** Checks that a URL is http(s) with a host, and drops a trailing slash. */
  public static String normalizeUrl(String url, String source) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw CliException.badInput(
          source + ": expected a URL like http://127.0.0.1:9100 but found '" + url + "'");
    }
    if (uri.getScheme() == null
        || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw CliException.badInput(
          source + ": expected a URL like http://127.0.0.1:9100 but found '" + url + "'");
    }
    String text = uri.toString();
    while (text.endsWith("/")) {
      text = text.substring(0, text.length() - 1);
    }
    return text;
  }

  private static String expandTilde(String path, String userHome) {
    if (path.equals("~")) {
      return userHome;
    }
    if (path.startsWith("~/")) {
      return userHome + path.substring(1);
    }
    return path;
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }
}
