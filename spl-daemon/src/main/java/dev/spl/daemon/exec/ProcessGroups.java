package dev.spl.daemon.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.home.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How shell children are started so that none outlives its worker, and how the ones that did are
 * found again.
 *
 * <p>Each child starts in a process group of its own ({@code setsid}), with the parent-death signal
 * set to SIGKILL ({@code setpriv --pdeathsig KILL}) where util-linux has it: when the worker dies,
 * even by {@code kill -9}, the kernel kills the child's shell. What the shell started lives on in
 * the group, so the worker records each group in its home ({@code groups/}, one file per attempt,
 * written and flushed to disk) before the child may run: the child's shell first waits on a gate (a
 * line on its standard input) that the worker opens only once the record is on disk, and exits
 * without running anything when the worker dies before that. On its next start the worker stops
 * every group left in {@code groups/} (SIGTERM to each member, then SIGKILL after a grace) before
 * it runs anything.
 *
 * <p>Where {@code setsid} is missing a child runs in the worker's group and only the recorded
 * process and its descendants are stopped; where {@code setpriv} is missing (or has no {@code
 * --pdeathsig}) children are not killed by the kernel with the worker, only stopped on its next
 * start. Members of a group are found in {@code /proc} (Linux); a record from before a reboot
 * (another {@code boot_id}) names groups that are gone and is just removed.
 */
public final class ProcessGroups {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessGroups.class);

  /** The folder in the worker's home that holds the record of each child's process group. */
  public static final String FOLDER = "groups";

  /** How long leftover children get between SIGTERM and SIGKILL. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(2);

  /**
   * The child's first shell: waits for the worker's go-ahead on standard input, then runs the
   * command with {@code /bin/sh -c} on an empty standard input. Exit 97 without a go-ahead.
   */
  static final String GATE =
      "IFS= read -r go || exit 97; [ \"$go\" = go ] || exit 97; exec </dev/null;"
          + " exec /bin/sh -c \"$1\"";

  /** As {@link #GATE}, then runs its own arguments as the program and its arguments, unparsed. */
  static final String ARGV_GATE =
      "IFS= read -r go || exit 97; [ \"$go\" = go ] || exit 97; exec </dev/null; exec \"$@\"";

  private static final byte[] GO = "go\n".getBytes(StandardCharsets.US_ASCII);

  private final Path folder;
  private final Launcher launcher;
  private final String bootId;

  /** What starts a child's shell: in a new group or not, with a parent-death signal or not. */
  record Launcher(boolean newGroup, boolean deathSignal, List<String> prefix) {
    static Launcher detect() {
      boolean setsid = executable("setsid");
      boolean setpriv = executable("setpriv") && runs("setpriv", "--pdeathsig", "KILL", "true");
      List<String> prefix = new ArrayList<>();
      if (setpriv) {
        prefix.addAll(List.of("setpriv", "--pdeathsig", "KILL"));
      }
      if (setsid) {
        prefix.add("setsid");
      }
      return new Launcher(setsid, setpriv, List.copyOf(prefix));
    }

    private static boolean executable(String name) {
      String path = System.getenv("PATH");
      if (path == null) {
        return false;
      }
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
          return true;
        }
      }
      return false;
    }

    private static boolean runs(String... command) {
      try {
        Process probe =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!probe.waitFor(5, TimeUnit.SECONDS)) {
          probe.destroyForcibly();
          return false;
        }
        return probe.exitValue() == 0;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  private static volatile Launcher detected;

  private ProcessGroups(Path folder, Launcher launcher) {
    this.folder = folder;
    this.launcher = launcher;
    this.bootId = readBootId();
  }

  /** Groups recorded in {@code home}'s {@code groups/} folder. */
  public static ProcessGroups in(Path home) {
    return new ProcessGroups(home.resolve(FOLDER), launcher());
  }

  /** Children started the same way, recorded nowhere (an executor without a home). */
  public static ProcessGroups unrecorded() {
    return new ProcessGroups(null, launcher());
  }

  private static Launcher launcher() {
    Launcher known = detected;
    if (known == null) {
      known = Launcher.detect();
      detected = known;
      LOG.info(
          "shell children start {} and {}",
          known.newGroup() ? "in a process group of their own (setsid)" : "in the worker's group",
          known.deathSignal()
              ? "die with the worker (setpriv --pdeathsig KILL)"
              : "are stopped on the worker's next start (no setpriv --pdeathsig)");
    }
    return known;
  }

  /** Whether children get a process group of their own. */
  public boolean newGroups() {
    return launcher.newGroup();
  }

  /** Whether the kernel kills a child's shell when the worker dies. */
  public boolean dieWithWorker() {
    return launcher.deathSignal();
  }

  /** The command line that runs {@code run} behind the gate. */
  List<String> command(String run) {
    List<String> command = new ArrayList<>(launcher.prefix());
    command.addAll(List.of("/bin/sh", "-c", GATE, "spl-child", run));
    return command;
  }

  /**
   * As {@link #command}, for a program and its arguments: they reach the program as they are,
   * without a shell reading them.
   */
  List<String> command(List<String> argv) {
    List<String> command = new ArrayList<>(launcher.prefix());
    command.addAll(List.of("/bin/sh", "-c", ARGV_GATE, "spl-child"));
    command.addAll(argv);
    return command;
  }

  /**
   * Records the group of {@code process} (started by {@link #command}) for attempt {@code key},
   * flushed to disk, then lets the child run. Throws when the record cannot be written: the child
   * is then stopped without having run.
   */
  void recordAndRelease(String key, Process process) throws IOException {
    long pid = process.pid();
    if (folder != null) {
      ObjectNode record = Json.MAPPER.createObjectNode();
      record.put("attempt", key);
      record.put("pid", pid);
      record.put("new_group", launcher.newGroup());
      record.put("boot_id", bootId);
      PrivateFiles.createFolder(folder);
      Path file = fileOf(key);
      try (FileChannel channel =
          PrivateFiles.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        channel.write(ByteBuffer.wrap(Json.MAPPER.writeValueAsBytes(record)));
        channel.force(true);
      }
      forceFolder();
    }
    try (var gate = process.getOutputStream()) {
      gate.write(GO);
      gate.flush();
    }
  }

  /** Forgets the group of attempt {@code key}: it has ended and been stopped. */
  void forget(String key) {
    if (folder == null) {
      return;
    }
    try {
      Files.deleteIfExists(fileOf(key));
    } catch (IOException e) {
      LOG.warn("could not remove the group record of {}: {}", key, e.getMessage());
    }
  }

  /**
   * Signals every process of the group led by {@code leader} (its members in {@code /proc}, and the
   * leader's descendants): SIGTERM, or SIGKILL when {@code force}.
   */
  void signal(ProcessHandle leader, boolean force) {
    List<ProcessHandle> members = new ArrayList<>();
    if (launcher.newGroup()) {
      members.addAll(groupMembers(leader.pid()));
    }
    leader.descendants().forEach(members::add);
    members.add(leader);
    for (ProcessHandle member : members) {
      if (force) {
        member.destroyForcibly();
      } else {
        member.destroy();
      }
    }
  }

  /**
   * Stops the groups of a previous life recorded in the home, each with SIGTERM, then SIGKILL after
   * {@code grace}, and removes their records. Returns how many groups still had processes.
   */
  public int stopLeftovers(Duration grace) {
    if (folder == null || !Files.isDirectory(folder)) {
      return 0;
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(folder, "*.json")) {
      listing.forEach(files::add);
    } catch (IOException e) {
      LOG.error("could not list {}: {}", folder, e.getMessage());
      return 0;
    }
    int stopped = 0;
    List<Long> groups = new ArrayList<>();
    for (Path file : files) {
      Optional<Long> group = leftoverGroup(file);
      group.ifPresent(groups::add);
    }
    for (long pgid : groups) {
      List<ProcessHandle> members = leftoverMembers(pgid);
      if (members.isEmpty()) {
        continue;
      }
      stopped++;
      LOG.warn(
          "stopping {} process(es) of a child started before this worker's restart (group {})",
          members.size(),
          pgid);
      members.forEach(ProcessHandle::destroy);
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (long pgid : groups) {
      while (!leftoverMembers(pgid).isEmpty() && System.nanoTime() < deadline) {
        pause();
      }
      List<ProcessHandle> left = leftoverMembers(pgid);
      left.forEach(ProcessHandle::destroyForcibly);
      while (!leftoverMembers(pgid).isEmpty() && System.nanoTime() < deadline + grace.toNanos()) {
        pause();
      }
    }
    for (Path file : files) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        LOG.warn("could not remove {}: {}", file, e.getMessage());
      }
    }
    return stopped;
  }

  /** The group a record names, if it is from this boot; none for a torn or foreign record. */
  private Optional<Long> leftoverGroup(Path file) {
    try {
      JsonNode record = Json.MAPPER.readTree(Files.readAllBytes(file));
      if (!record.path("pid").canConvertToLong()) {
        return Optional.empty();
      }
      String boot = record.path("boot_id").asText("");
      if (!bootId.isEmpty() && !boot.isEmpty() && !bootId.equals(boot)) {
        return Optional.empty();
      }
      long pid = record.get("pid").asLong();
      // A record without a group of its own names one process: stop it and what it started.
      return Optional.of(record.path("new_group").asBoolean(false) ? pid : -pid);
    } catch (IOException | RuntimeException e) {
      // Written only part-way: the gate was never opened, so that child never ran.
      return Optional.empty();
    }
  }

  /** Live processes of a leftover group ({@code pgid} above 0) or process tree (below 0). */
  private static List<ProcessHandle> leftoverMembers(long pgid) {
    if (pgid > 0) {
      return groupMembers(pgid);
    }
    List<ProcessHandle> tree = new ArrayList<>();
    ProcessHandle.of(-pgid)
        .ifPresent(
            root -> {
              root.descendants().forEach(tree::add);
              tree.add(root);
            });
    return tree.stream().filter(ProcessHandle::isAlive).toList();
  }

  /** The live processes whose process group is {@code pgid}, read from {@code /proc}. */
  static List<ProcessHandle> groupMembers(long pgid) {
    Path proc = Path.of("/proc");
    if (!Files.isDirectory(proc)) {
      return ProcessHandle.of(pgid).stream().toList();
    }
    List<ProcessHandle> members = new ArrayList<>();
    try (Stream<Path> entries = Files.list(proc)) {
      entries
          .filter(entry -> entry.getFileName().toString().chars().allMatch(Character::isDigit))
          .forEach(
              entry -> {
                long group = groupOf(entry.resolve("stat"));
                if (group == pgid) {
                  ProcessHandle.of(Long.parseLong(entry.getFileName().toString()))
                      .ifPresent(members::add);
                }
              });
    } catch (IOException e) {
      LOG.warn("could not list /proc: {}", e.getMessage());
    }
    return members;
  }

  /**
   * The process group in a {@code /proc/<pid>/stat} line ({@code pid (comm) state ppid pgrp ...};
   * comm may hold spaces and parentheses, so fields are counted after the last ')'), or -1 for a
   * process that is gone or a zombie.
   */
  static long groupOf(Path stat) {
    try {
      String line = Files.readString(stat, StandardCharsets.US_ASCII);
      int close = line.lastIndexOf(')');
      String[] fields = line.substring(close + 2).split(" ");
      if (fields[0].equals("Z") || fields[0].equals("X")) {
        return -1;
      }
      return Long.parseLong(fields[2]);
    } catch (IOException | RuntimeException gone) {
      return -1;
    }
  }

  private Path fileOf(String key) {
    return folder.resolve(key.replaceAll("[^A-Za-z0-9_-]", "_") + ".json");
  }

  private void forceFolder() {
    try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException | UnsupportedOperationException notSupported) {
      // Some systems cannot sync a folder; the file itself is on disk.
    }
  }

  private static String readBootId() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
