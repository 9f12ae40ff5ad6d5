package dev.spl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.client.ClientJson;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.HomeLayout;
import dev.spl.cli.client.Resolution;
import dev.spl.cli.text.Glyphs;
import dev.spl.cli.text.OutputFormat;
import dev.spl.cli.text.Terminal;
import dev.spl.core.auth.ChildCredential;
import dev.spl.core.home.FleetToken;
import dev.spl.core.tls.TlsTrust;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What every command needs from its surroundings: the output streams, the environment and the
 * global options. Commands receive it through their constructor, so tests run them in-process.
 */
public final class CliContext {
  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;

  /** The stream given, for JSON, which is never rewritten. */
  private final PrintStream rawOut;

  private final boolean unicode;
  private final Map<String, String> env;
  private final Path workingDir;
  private final GlobalOptions global = new GlobalOptions();
  private Resolution.Token token;
  private boolean tokenResolved;
  private TlsTrust trust;

  /** Around the process's own streams, which write the JVM's output encoding. */
  CliContext(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    this(in, out, err, env, Terminal.outputEncoding());
  }

  /**
   * Around streams that write {@code outputEncoding}. Where that or the environment's locale is not
   * UTF-8, the glyphs of the text output are printed as ASCII stand-ins ({@link Glyphs}).
   */
  CliContext(
      InputStream in,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      String outputEncoding) {
    this(in, out, err, env, outputEncoding, null);
  }

  /**
   * As above, for a caller whose working directory is {@code workingDir} (absolute; null: this
   * process's): relative file names in arguments are resolved against it ({@link #path}).
   */
  CliContext(
      InputStream in,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      String outputEncoding,
      Path workingDir) {
    this.workingDir = workingDir;
    this.in = in;
    this.env = Map.copyOf(env);
    this.unicode = Glyphs.unicode(this.env, outputEncoding);
    this.rawOut = out;
    this.out = Glyphs.stream(out, unicode, outputEncoding);
    this.err = Glyphs.stream(err, unicode, outputEncoding);
  }

  /** The file {@code name} names for the caller: relative names against its working directory. */
  public Path path(String name) {
    return workingDir == null ? Path.of(name) : workingDir.resolve(name);
  }

  /** The caller's working directory, or null for this process's. */
  Path workingDir() {
    return workingDir;
  }

  /** Standard input, for options that read {@code -}. */
  public InputStream in() {
    return in;
  }

  public PrintStream out() {
    return out;
  }

  public PrintStream err() {
    return err;
  }

  /**
   * Standard output without the glyph stand-ins of {@link #out()}: for JSON, whose text must reach
   * the reader as it is (escaped to ASCII where the output is not UTF-8, see {@link #jsonLine}).
   */
  public PrintStream rawOut() {
    return rawOut;
  }

  /** Whether the output is UTF-8, so JSON text reaches it unescaped ({@link #jsonLine}). */
  public boolean unicodeOutput() {
    return unicode;
  }

  /** {@code node} as JSON on one line, every character outside ASCII escaped unless UTF-8. */
  public String jsonLine(JsonNode node) {
    return unicode ? node.toString() : ClientJson.compactAscii(node);
  }

  public Map<String, String> env() {
    return env;
  }

  GlobalOptions global() {
    return global;
  }

  /** Whether the output is JSON: {@code -o json} or {@code -o jsonl}. */
  public boolean json() {
    return global.output == OutputFormat.JSON || global.output == OutputFormat.JSONL;
  }

  /** Whether the output is JSON lines ({@code -o jsonl}): every JSON value on one line. */
  public boolean jsonLines() {
    return global.output == OutputFormat.JSONL;
  }

  public boolean debug() {
    return global.debug || "1".equals(env.get("SPL_DEBUG")) || "true".equals(env.get("SPL_DEBUG"));
  }

  public Path home() {
    return Resolution.home(global.home, env, Resolution.userHome(env));
  }

  public HomeLayout layout() {
    return new HomeLayout(home());
  }

  /**
   * The daemon to talk to. Exit 3 when the URL would come from a home whose daemon has stopped (its
   * lock is free), rather than asking whatever answers at the old or default URL.
   */
  public Resolution.Endpoint endpoint() {
    Resolution.Endpoint endpoint = resolvedEndpoint();
    if (!endpoint.serving()) {
      throw CliException.unavailable(
          endpoint.notServing()
              + "; start it with `spl daemon start` (a fleet: `spl fleet start`), or name a"
              + " running daemon with --url or SPL_URL");
    }
    return endpoint;
  }

  /** The endpoint as resolved, also when the home's daemon has stopped (see {@link #endpoint}). */
  public Resolution.Endpoint resolvedEndpoint() {
    return Resolution.endpoint(global.url, env, home());
  }

  /**
   * The bearer token for requests, or the token a daemon started from here should require; null
   * when there is none.
   */
  public String token() {
    Resolution.Token token = tokenSource();
    return token == null ? null : token.value();
  }

  /** The token with where it came from; resolved (and its file read) once per command. */
  public Resolution.Token tokenSource() {
    if (!tokenResolved) {
      token =
          childCredential() != null
              ? null
              : Resolution.token(global.token, global.tokenFile, env, home());
      tokenResolved = true;
    }
    return token;
  }

  public DaemonClient client() {
    return new DaemonClient(endpoint().url(), token(), trust(), childCredential());
  }

  /** A client for {@code url} with this command's token and trust. */
  public DaemonClient client(String url) {
    return new DaemonClient(url, token(), trust(), childCredential());
  }

  /**
   * The credential of the running child this command runs in ({@code SPL_CHILD_CREDENTIAL}, see
   * docs/security.md), used instead of a token when no token is given by --token, --token-file or
   * {@code SPL_TOKEN}; else null.
   */
  public String childCredential() {
    String credential = env.get(ChildCredential.VARIABLE);
    if (credential == null
        || credential.isBlank()
        || global.token != null
        || global.tokenFile != null
        || (env.get(FleetToken.VARIABLE) != null && !env.get(FleetToken.VARIABLE).isEmpty())) {
      return null;
    }
    return credential.trim();
  }

  /**
   * Whom HTTPS requests trust ({@code --tls-ca}, {@code SPL_TLS_CA}, else the system trust store);
   * resolved once per command.
   */
  public TlsTrust trust() {
    if (trust == null) {
      trust = Resolution.trust(global.tlsCa, env);
    }
    return trust;
  }

  /** The login name of the user, for the default actor of records written from the CLI. */
  public String userName() {
    String user = env.get("USER");
    return user != null && !user.isBlank() ? user : System.getProperty("user.name");
  }

  /**
   * Prints {@code node} for {@code -o json}. Where the output is not UTF-8, characters outside
   * ASCII are written as JSON's six-character escapes, which read back as the same text, rather
   * than replaced like the glyphs of the text output.
   */
  public void printJson(JsonNode node) {
    if (jsonLines()) {
      rawOut.println(jsonLine(node));
    } else {
      rawOut.println(unicode ? ClientJson.pretty(node) : ClientJson.prettyAscii(node));
    }
  }
}
