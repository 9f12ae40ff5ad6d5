package dev.spl.core.home;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The lock of a daemon home ({@value #FILE_NAME}): a home is in use if and only if this lock is
 * held. The daemon holding it writes its pid into the file, so the pid found there names the holder
 * for as long as the lock is held; a pid file ({@code daemon.pid}) only helps find the process, it
 * never decides whether a daemon runs.
 *
 * <p>The lock is an OS file lock (released by the kernel when the holder dies, even by {@code kill
 * -9}). Java's file locks belong to the process, and on Linux closing any channel of the file drops
 * them, so this class is the only one that opens the lock file: it keeps the homes this process
 * holds and answers for them without opening the file again.
 */
public final class HomeLock implements AutoCloseable {
  public static final String FILE_NAME = "daemon.lock";

  /**
   * How long {@link #acquire} keeps trying while another process holds the lock: a {@link #probe}
   * holds it for microseconds, a daemon for its whole life.
   */
  static final long ACQUIRE_PATIENCE_MILLIS = 500;

  private static final long RETRY_MILLIS = 10;

  /** Homes (real paths) locked by this process; guarded by the class. */
  private static final Set<Path> HELD_HERE = new HashSet<>();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;

  private HomeLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  /** Who holds a home's lock, as {@link #probe} found it. */
  public sealed interface State {
    /** Whether a daemon holds the home. */
    boolean held();
  }

  /** Nobody holds the lock (or the home has none yet): no daemon serves the home. */
  public record Free() implements State {
    @Override
    public boolean held() {
      return false;
    }
  }

  /**
   * A process holds the lock. {@code pid} is what the holder wrote into the lock file (empty while
   * it has not written it yet); {@code thisProcess} when the holder is the asking process.
   */
  public record Held(OptionalLong pid, boolean thisProcess) implements State {
    @Override
    public boolean held() {
      return true;
    }
  }

  /** Whether the lock can be asked about at all: the file exists but cannot be opened. */
  public record Unknown(String reason) implements State {
    @Override
    public boolean held() {
      return false;
    }
  }

  /** Why {@link #acquire} could not take the lock. */
  public static final class HeldException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient OptionalLong pid;

    HeldException(Path file, OptionalLong pid) {
      super(
          file
              + " is held by another daemon"
              + (pid.isPresent() ? " (pid " + pid.getAsLong() + ")" : ""));
      this.pid = pid;
    }

    /** The holder's pid as written in the lock file, if it could be read. */
    public OptionalLong pid() {
      return pid;
    }
  }

  /**
   * Takes the lock of {@code home} (an existing folder) for this process and writes the process's
   * pid into it. Throws {@link HeldException} when another daemon holds it, in this process or
   * another; other {@link IOException}s when the file cannot be created or locked.
   */
  public static HomeLock acquire(Path home) throws IOException {
    Path key = home.toRealPath();
    Path file = key.resolve(FILE_NAME);
    synchronized (HomeLock.class) {
      if (!HELD_HERE.add(key)) {
        throw new HeldException(file, OptionalLong.of(ProcessHandle.current().pid()));
      }
    }
    // The home is reserved for this process from here on; probes in it answer "held here".
    FileChannel channel = null;
    try {
      channel =
          PrivateFiles.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock = lockPatiently(channel);
      if (lock == null) {
        throw new HeldException(file, readPid(channel));
      }
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
          0);
      HomeLock held = new HomeLock(key, channel, lock);
      channel = null;
      return held;
    } catch (IOException | RuntimeException e) {
      if (channel == null) {
        synchronized (HomeLock.class) {
          HELD_HERE.remove(key);
        }
      }
      throw e;
    } finally {
      if (channel != null) {
        try {
          channel.close();
        } finally {
          synchronized (HomeLock.class) {
            HELD_HERE.remove(key);
          }
        }
      }
    }
  }

  private static FileLock lockPatiently(FileChannel channel) throws IOException {
    long deadline = System.nanoTime() + ACQUIRE_PATIENCE_MILLIS * 1_000_000;
    while (true) {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        // Only this class locks the file, and it checked HELD_HERE: never expected.
        throw new IOException("the lock is already held in this process", e);
      }
      if (lock != null || System.nanoTime() >= deadline) {
        return lock;
      }
      try {
        Thread.sleep(RETRY_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  /**
   * Whether a daemon holds {@code home}'s lock now. A missing home or lock file is {@link Free}.
   * The answer is asked of the OS (a shared lock tried and released at once), so a dead holder, a
   * zombie or a pid reused by another program never count.
   */
  public static State probe(Path home) {
    Path key;
    try {
      key = home.toRealPath();
    } catch (NoSuchFileException e) {
      return new Free();
    } catch (IOException e) {
      return new Unknown("cannot resolve " + home + ": " + e.getMessage());
    }
    Path file = key.resolve(FILE_NAME);
    synchronized (HomeLock.class) {
      if (HELD_HERE.contains(key)) {
        return new Held(OptionalLong.of(ProcessHandle.current().pid()), true);
      }
      if (!Files.exists(file)) {
        return new Free();
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        FileLock shared;
        try {
          shared = channel.tryLock(0, Long.MAX_VALUE, true);
        } catch (OverlappingFileLockException e) {
          return new Held(OptionalLong.of(ProcessHandle.current().pid()), true);
        }
        if (shared == null) {
          return new Held(readPid(channel), false);
        }
        shared.release();
        return new Free();
      } catch (NoSuchFileException e) {
        return new Free();
      } catch (IOException e) {
        return new Unknown("cannot read " + file + ": " + e.getMessage());
      }
    }
  }

  /** Whether this process still holds the lock. */
  public boolean isHeld() {
    return lock.isValid();
  }

  /** Releases the lock; the file stays, holding the last holder's pid. */
  @Override
  public void close() {
    synchronized (HomeLock.class) {
      try {
        if (lock.isValid()) {
          lock.release();
        }
      } catch (IOException e) {
        // Closing the channel below releases the lock as well.
      } finally {
        try {
          channel.close();
        } catch (IOException e) {
          // Nothing left to release.
        }
        HELD_HERE.remove(key);
      }
    }
  }

  private static OptionalLong readPid(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(32);
      channel.read(buffer, 0);
      buffer.flip();
      return parsePid(StandardCharsets.US_ASCII.decode(buffer).toString().trim());
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  private static OptionalLong parsePid(String text) {
    return text.matches("[0-9]{1,18}")
        ? OptionalLong.of(Long.parseLong(text))
        : OptionalLong.empty();
  }
}
