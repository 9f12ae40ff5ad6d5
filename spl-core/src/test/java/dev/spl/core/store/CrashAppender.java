package dev.spl.core.store;

import dev.spl.core.Act;
import dev.spl.core.AppendResult;
import dev.spl.core.OutboxEntry;
import dev.spl.core.Record;
import dev.spl.core.TestRecords;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Child process of {@link RocksRecordStoreCrashTest}: appends records in durable mode from several
 * threads until killed, printing {@code ack <id>} for each append that returned; every other append
 * is told when it is written, before its fsync.
 */
public final class CrashAppender {
  private CrashAppender() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    int writers = Integer.parseInt(args[1]);
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    RocksRecordStore store =
        RocksRecordStore.open(directory, Durability.DURABLE, Clock.systemUTC());
    for (int w = 0; w < writers; w++) {
      int writer = w;
      Thread thread =
          new Thread(
              () -> {
                String threadId = TestRecords.thread("crash-" + writer);
                for (long n = 0; ; n++) {
                  Record record = TestRecords.record(threadId, Act.DO, "work", n);
                  // Odd appends take the path that shows a write before its fsync: what they
                  // acknowledge must survive the kill as well.
                  List<OutboxEntry> deliveries =
                      n % 4 == 0
                          ? List.of(new OutboxEntry("http://127.0.0.1:9201", record.id()))
                          : List.of();
                  List<AppendResult> results =
                      n % 2 == 1
                          ? store.appendAll(List.of(record), deliveries, null, written -> {})
                          : store.appendAll(List.of(record), deliveries);
                  synchronized (out) {
                    out.println("ack " + results.get(0).stored().id());
                    out.flush();
                  }
                }
              },
              "appender-" + w);
      thread.start();
    }
  }
}
