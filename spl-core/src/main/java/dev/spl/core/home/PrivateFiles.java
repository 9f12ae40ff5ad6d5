package dev.spl.core.home;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Files and folders only their owner may use: homes are {@code rwx------} (0700), the files spl
 * writes in them {@code rw-------} (0600), whatever the umask. Another user of the machine can then
 * read neither the records nor the token. On file systems without POSIX permissions the calls write
 * the files without changing their permissions.
 */
public final class PrivateFiles {
  static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private PrivateFiles() {}

  /**
   * Creates {@code dir} and its missing parents 0700, and makes {@code dir} itself 0700 if it
   * already existed with wider permissions.
   */
  public static void createFolder(Path dir) throws IOException {
    if (!POSIX) {
      Files.createDirectories(dir);
      return;
    }
    Path absolute = dir.toAbsolutePath();
    Path missing = absolute;
    while (missing.getParent() != null && !Files.exists(missing.getParent())) {
      missing = missing.getParent();
    }
    Files.createDirectories(absolute, PosixFilePermissions.asFileAttribute(FOLDER));
    // createDirectories applies the umask to the mode it is given; set it exactly.
    for (Path created = absolute; created != null; created = created.getParent()) {
      restrict(created, FOLDER);
      if (created.equals(missing)) {
        break;
      }
    }
  }

  /** Writes {@code content} to {@code target} atomically (a 0600 temporary file moved in place). */
  public static void write(Path target, String content) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.deleteIfExists(temp);
    if (POSIX) {
      Files.createFile(temp, PosixFilePermissions.asFileAttribute(FILE));
      restrict(temp, FILE);
    }
    Files.writeString(temp, content, StandardCharsets.UTF_8);
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Opens {@code file}, creating it 0600 if missing and making it 0600 if it was not. */
  public static FileChannel open(Path file, OpenOption... options) throws IOException {
    Set<OpenOption> set = new HashSet<>(Arrays.asList(options));
    FileChannel channel =
        POSIX
            ? FileChannel.open(file, set, PosixFilePermissions.asFileAttribute(FILE))
            : FileChannel.open(file, set);
    try {
      if (POSIX) {
        restrict(file, FILE);
      }
      return channel;
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }

  /** Makes an existing file 0600. */
  public static void restrictFile(Path file) throws IOException {
    if (POSIX) {
      restrict(file, FILE);
    }
  }

  /** Makes an existing folder 0700. */
  public static void restrictFolder(Path dir) throws IOException {
    if (POSIX) {
      restrict(dir, FOLDER);
    }
  }

  /**
   * The permissions of {@code file} (e.g. {@code rw-r--r--}) when users other than its owner may
   * read or write it, else empty.
   */
  public static Optional<String> openToOthers(Path file) throws IOException {
    if (!POSIX) {
      return Optional.empty();
    }
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
    Set<PosixFilePermission> others = new HashSet<>(permissions);
    others.removeAll(
        EnumSet.of(
            PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_EXECUTE));
    return others.isEmpty()
        ? Optional.empty()
        : Optional.of(PosixFilePermissions.toString(permissions));
  }

  private static void restrict(Path path, Set<PosixFilePermission> wanted) throws IOException {
    if (!Files.getPosixFilePermissions(path).equals(wanted)) {
      Files.setPosixFilePermissions(path, wanted);
    }
  }
}
