package dev.spl.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.Checksum;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.testcontainers.images.builder.Transferable;

/**
 * A token file for a daemon in a container of the image: owned by the image's user (10001) and
 * readable by it alone, as spl requires of token files. Copied into the container before it starts,
 * at {@link #PATH}, the daemon's home's token file: the daemon and the CLI that `docker exec` runs
 * there both find it without an option.
 */
final class TokenFile implements Transferable {
  /** The home's token file in the image (the home is /data). */
  static final String PATH = "/data/token";

  private static final int IMAGE_USER = 10001;
  private static final int OWNER_READ_WRITE = 0100600;

  private final byte[] bytes;

  TokenFile(String token) {
    this.bytes = (token + "\n").getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public long getSize() {
    return bytes.length;
  }

  @Override
  public byte[] getBytes() {
    return bytes;
  }

  @Override
  public int getFileMode() {
    return OWNER_READ_WRITE;
  }

  @Override
  public void updateChecksum(Checksum checksum) {
    checksum.update(bytes, 0, bytes.length);
  }

  @Override
  public String getDescription() {
    return "a token file";
  }

  @Override
  public void transferTo(TarArchiveOutputStream tar, String destination) {
    TarArchiveEntry entry = new TarArchiveEntry(destination);
    entry.setSize(bytes.length);
    entry.setMode(OWNER_READ_WRITE);
    // The engine keeps the archive's owner: the daemon, not root, must be able to read it.
    entry.setIds(IMAGE_USER, IMAGE_USER);
    try {
      tar.putArchiveEntry(entry);
      tar.write(bytes);
      tar.closeArchiveEntry();
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the token file into the archive", e);
    }
  }
}
