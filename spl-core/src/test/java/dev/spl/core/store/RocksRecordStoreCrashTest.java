package dev.spl.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Act;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.TestRecords;
import dev.spl.testing.TestClock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every append acknowledged in durable mode survives a SIGKILL of the process that made it. */
class RocksRecordStoreCrashTest {
  private static final int ACKS_BEFORE_KILL = 200;

  @TempDir Path directory;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void acknowledgedAppendsSurviveKillNine() throws Exception {
    Path store = directory.resolve("store");
    Path stderr = directory.resolve("child.err");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // The killed child cannot delete the native library it unpacked: keep it here.
                "-Djava.io.tmpdir=" + directory,
                "-cp",
                System.getProperty("java.class.path"),
                CrashAppender.class.getName(),
                store.toString(),
                "4")
            .redirectError(stderr.toFile())
            .start();
    Set<String> acknowledged = new LinkedHashSet<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (acknowledged.size() < ACKS_BEFORE_KILL && (line = lines.readLine()) != null) {
        assertThat(line).startsWith("ack ");
        acknowledged.add(line.substring(4));
      }
      assertThat(acknowledged)
          .as("acks before the child stopped; its stderr: %s", Files.readString(stderr))
          .hasSize(ACKS_BEFORE_KILL);
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(child.exitValue()).isEqualTo(137);

    try (RocksRecordStore reopened = RocksRecordStore.open(store, new TestClock(0))) {
      for (String id : acknowledged) {
        assertThat(reopened.get(id)).as("acknowledged record %s", id).isPresent();
      }
      long last = reopened.lastSeq();
      assertThat(last).isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
      List<StoredRecord> all = new ArrayList<>();
      for (long after = 0; after < last; ) {
        List<StoredRecord> page = reopened.query(RecordQuery.all(after, 1000));
        assertThat(page).isNotEmpty();
        all.addAll(page);
        after = page.get(page.size() - 1).seq();
      }
      assertThat(all).extracting(StoredRecord::seq).doesNotHaveDuplicates().hasSize((int) last);
      assertThat(reopened.count()).isEqualTo(last);
      assertThat(reopened.deliveryDestinations()).containsExactly("http://127.0.0.1:9201");

      var next =
          reopened.append(TestRecords.record(TestRecords.thread("after"), Act.DO, "work", 1));
      assertThat(next.created()).isTrue();
      assertThat(next.stored().seq()).isEqualTo(last + 1);
    }
  }
}
