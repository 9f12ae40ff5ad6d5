package dev.spl.cli.host;

import dev.spl.cli.CliException;
import dev.spl.cli.client.Resolution;
import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.NestedFanouts;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.fleet.Labels;
import dev.spl.core.fleet.Role;
import dev.spl.core.fleet.SettingsRequest;
import dev.spl.core.fleet.WorkerSlots;
import dev.spl.core.store.Durability;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The options of {@code spl daemon run|start} beyond where it listens: durability and the daemon's
 * place in a fleet. Field types are CLI or core types only, so client commands can build the
 * command line without loading the daemon's classes; {@code ForegroundDaemon} turns them into the
 * daemon's settings. Null means "not given": the daemon's default applies.
 */
public final class DaemonRunOptions {
  /** The daemon's limit, from core, so client commands check it without the daemon's classes. */
  public static final int MAX_SLOTS = WorkerSlots.MAX;

  /** How a worker runs children. */
  public enum Executor {
    ECHO,
    SHELL,
    COMMAND,
    WORKTREE
  }

  /** What an echo child does besides echoing. */
  public enum EchoMode {
    PLAIN,
    COMPUTE
  }

  /** The coordinator's default and largest {@code max_children}, from core. */
  public static final int MAX_CHILDREN_DEFAULT = Fanouts.DEFAULT_MAX_CHILDREN;

  public static final int MAX_CHILDREN_LIMIT = Fanouts.MAX_MAX_CHILDREN;

  @Option(
      names = "--role",
      paramLabel = "coordinator|worker",
      description = "The daemon's role (default coordinator; worker when --coordinator is given).")
  Role role;

  @Option(
      names = "--alias",
      paramLabel = "NAME",
      description = "The name the fleet knows this instance by, e.g. worker-a.")
  String alias;

  @Option(
      names = "--coordinator",
      paramLabel = "URL",
      description = "The coordinator a worker reports to (implies --role worker).")
  String coordinatorUrl;

  @Option(
      names = "--advertise",
      paramLabel = "URL",
      description = "The URL other daemons reach this one at (default: the URL it binds).")
  String advertiseUrl;

  @Option(
      names = "--heartbeat-interval",
      paramLabel = "SECS",
      converter = SecondsConverter.class,
      description = "Seconds between heartbeats; decimals allowed (default 5).")
  Duration heartbeatInterval;

  @Option(
      names = "--lease",
      paramLabel = "SECS",
      converter = SecondsConverter.class,
      description =
          "Seconds a worker may stay silent before its unfinished work moves elsewhere (default"
              + " three heartbeat intervals).")
  Duration lease;

  @Option(
      names = "--executor",
      paramLabel = "echo|shell|command|worktree",
      description = "How a worker runs children (default echo).")
  Executor executor;

  @Option(
      names = "--command-template",
      paramLabel = "COMMAND",
      description =
          "With --executor command: the program and arguments each child runs, with {{name}}"
              + " placeholders (e.g. 'my-agent --prompt-file {{prompt_file}} --max-cost"
              + " {{budget}}'); see docs/executors.md.")
  String commandTemplate;

  @Option(
      names = "--repo",
      paramLabel = "PATH",
      description =
          "The git repository a worktree worker makes each child's worktree in (needed by"
              + " --executor worktree; kept in the home's settings).")
  java.nio.file.Path repo;

  @Option(
      names = "--echo-delay",
      paramLabel = "SECS",
      converter = SecondsConverter.class,
      description = "How long an echo child takes; 0 allowed (default 1).")
  Duration echoDelay;

  @Option(
      names = "--echo-mode",
      paramLabel = "plain|compute",
      description =
          "What an echo child does: plain echoes its goal (default); compute also does real work on"
              + " its slice (sums its range points or numeric items, else hashes its items).")
  EchoMode echoMode;

  @Option(
      names = "--max-children",
      paramLabel = "N",
      description =
          "The most children one fan-out may have on this coordinator (default "
              + MAX_CHILDREN_DEFAULT
              + ", at most "
              + MAX_CHILDREN_LIMIT
              + ").")
  Integer maxChildren;

  @Option(
      names = "--max-fanout-depth",
      paramLabel = "N",
      description =
          "How deep nested fan-outs may go on this coordinator: a task's own fan-out is depth 1"
              + " (default "
              + NestedFanouts.DEFAULT_MAX_DEPTH
              + ", at most "
              + NestedFanouts.MAX_MAX_DEPTH
              + ").")
  Integer maxFanoutDepth;

  @Option(
      names = "--slots",
      paramLabel = "N",
      description =
          "Children a worker runs at once (default "
              + WorkerSlots.DEFAULT
              + ", at most "
              + MAX_SLOTS
              + ").")
  Integer slots;

  @Option(
      names = "--durability",
      paramLabel = "durable|fast",
      description = "durable: fsync before acknowledging (default); fast: no fsync.")
  Durability durability;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description =
          "A label of the instance, shown by `spl fleet show` and sent in its heartbeats; repeat"
              + " for several. Given labels replace the stored ones.")
  List<String> labelOptions;

  @Option(
      names = "--reconfigure",
      description =
          "Run with options that differ from the settings kept in the home (or from the running"
              + " daemon, which is restarted); the change is recorded as settings_changed.")
  boolean reconfigure;

  private SortedMap<String, String> labels;

  /**
   * Normalises URLs, makes {@code --repo} its repository's top folder and parses the labels, naming
   * the option that is wrong. Whether the settings hold together is the core's rule ({@link
   * SettingsRequest#resolve}), checked with the home's settings before anything starts.
   */
  public void validate() {
    if (coordinatorUrl != null) {
      coordinatorUrl = Resolution.normalizeUrl(coordinatorUrl.trim(), "--coordinator");
    }
    if (advertiseUrl != null) {
      advertiseUrl = Resolution.normalizeUrl(advertiseUrl.trim(), "--advertise");
    }
    if (repo != null) {
      repo = RepoOption.topLevel("--repo", repo);
    }
    labels = labelOptions == null ? null : parseLabels(labelOptions);
  }

  /** {@code --label k=v} options as labels; bad input names the option and what is wrong. */
  public static SortedMap<String, String> parseLabels(List<String> options) {
    SortedMap<String, String> parsed = new TreeMap<>();
    for (String option : options) {
      int equals = option.indexOf('=');
      if (equals < 0) {
        throw CliException.badInput(
            "--label: expected KEY=VALUE (e.g. --label zone=eu-1) but found '" + option + "'");
      }
      String key = option.substring(0, equals);
      String value = option.substring(equals + 1);
      String problem = Labels.problem(key, value);
      if (problem != null) {
        throw CliException.badInput("--label: " + problem);
      }
      if (parsed.put(key, value) != null) {
        throw CliException.badInput("--label: the key '" + key + "' is given twice");
      }
    }
    if (parsed.size() > Labels.MAX_LABELS) {
      throw CliException.badInput(
          "--label: expected at most " + Labels.MAX_LABELS + " labels but found " + parsed.size());
    }
    return parsed;
  }

  /** Whether {@code --reconfigure} was given. */
  public boolean reconfigure() {
    return reconfigure;
  }

  /**
   * What these options (and where the daemon listens, null when not given) ask for: nulls for what
   * was not given, so the settings kept in the home apply. Call after {@link #validate}.
   */
  public SettingsRequest request(String bind, Integer port, Long maxRequestBytes) {
    return SettingsRequest.builder()
        .role(role)
        .alias(alias)
        .coordinatorUrl(coordinatorUrl)
        .advertiseUrl(advertiseUrl)
        .bind(bind)
        .port(port)
        .maxRequestBytes(maxRequestBytes)
        .heartbeatIntervalMillis(heartbeatInterval == null ? null : heartbeatInterval.toMillis())
        .leaseMillis(lease == null ? null : lease.toMillis())
        .executor(executor == null ? null : ExecutorKind.valueOf(executor.name()))
        .echoDelayMillis(echoDelay == null ? null : echoDelay.toMillis())
        .slots(slots)
        .durability(
            durability == null
                ? null
                : durability == Durability.FAST ? InstanceSettings.FAST : InstanceSettings.DURABLE)
        .labels(labels)
        .echoMode(echoMode == null ? null : echoMode.name().toLowerCase(Locale.ROOT))
        .maxChildren(maxChildren)
        .maxFanoutDepth(maxFanoutDepth)
        .commandTemplate(commandTemplate)
        .repo(repo == null ? null : repo.toString())
        .build();
  }

  /** The options given, as {@code spl daemon run} arguments: what a background daemon gets. */
  public List<String> toArguments() {
    List<String> args = new ArrayList<>();
    if (role != null) {
      add(args, "--role", role.wire());
    }
    if (alias != null) {
      add(args, "--alias", alias);
    }
    if (coordinatorUrl != null) {
      add(args, "--coordinator", coordinatorUrl);
    }
    if (advertiseUrl != null) {
      add(args, "--advertise", advertiseUrl);
    }
    if (heartbeatInterval != null) {
      add(args, "--heartbeat-interval", seconds(heartbeatInterval));
    }
    if (lease != null) {
      add(args, "--lease", seconds(lease));
    }
    if (executor != null) {
      add(args, "--executor", executor.name().toLowerCase(Locale.ROOT));
    }
    if (commandTemplate != null) {
      add(args, "--command-template", commandTemplate);
    }
    if (echoDelay != null) {
      add(args, "--echo-delay", seconds(echoDelay));
    }
    if (echoMode != null) {
      add(args, "--echo-mode", echoMode.name().toLowerCase(Locale.ROOT));
    }
    if (maxChildren != null) {
      add(args, "--max-children", maxChildren.toString());
    }
    if (maxFanoutDepth != null) {
      add(args, "--max-fanout-depth", maxFanoutDepth.toString());
    }
    if (slots != null) {
      add(args, "--slots", slots.toString());
    }
    if (durability != null) {
      add(args, "--durability", durability.name().toLowerCase(Locale.ROOT));
    }
    if (labels != null) {
      labels.forEach((key, value) -> add(args, "--label", key + "=" + value));
    }
    if (repo != null) {
      add(args, "--repo", repo.toString());
    }
    if (reconfigure) {
      args.add("--reconfigure");
    }
    return args;
  }

  private static void add(List<String> args, String option, String value) {
    args.add(option);
    args.add(value);
  }

  /** A duration as plain seconds with up to millisecond precision: {@code 0.2}, {@code 5}. */
  public static String seconds(Duration duration) {
    return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString();
  }

  /** Parses seconds with decimals ({@code 0.25}, {@code 5}) into a duration, to the millisecond. */
  public static final class SecondsConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parseSeconds(value);
    }
  }

  public static Duration parseSeconds(String value) {
    BigDecimal secs;
    try {
      secs = new BigDecimal(value.trim());
    } catch (NumberFormatException e) {
      throw new TypeConversionException(
          "expected a number of seconds like 5 or 0.25 but found '" + value + "'");
    }
    if (secs.signum() < 0) {
      throw new TypeConversionException(
          "expected a number of seconds >= 0 but found '" + value + "'");
    }
    if (secs.compareTo(BigDecimal.valueOf(86_400L * 365)) > 0) {
      throw new TypeConversionException(
          "expected at most a year of seconds (31536000) but found '" + value + "'");
    }
    BigDecimal millis = secs.movePointRight(3);
    if (millis.stripTrailingZeros().scale() > 0) {
      throw new TypeConversionException(
          "expected at most millisecond precision (3 decimals) but found '" + value + "'");
    }
    return Duration.ofMillis(millis.longValueExact());
  }
}
