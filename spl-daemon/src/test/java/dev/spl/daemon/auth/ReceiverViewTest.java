package dev.spl.daemon.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Act;
import dev.spl.core.InMemoryRecordStore;
import dev.spl.core.Record;
import dev.spl.core.RecordStore;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.InstanceKey;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.daemon.records.RecordService;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReceiverViewTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-02T00:00:00Z"), ZoneOffset.UTC);
  private static final String CHILD = ThreadIds.derive("child", "0");

  private final AtomicInteger queries = new AtomicInteger();
  private final RecordStore log = new InMemoryRecordStore(CLOCK);
  private final RecordStore counted = counting(log);
  private final Trust trust = Trust.inMemory(InstanceKey.generate());

  @Test
  void aChildIntendTheCoordinatorJustWroteIsFoundWithoutReadingTheLogAndAsTheLogHasIt() {
    RecordService records = new RecordService(counted);
    ReceiverView view = new ReceiverView(trust, true, records, CLOCK, 4);
    records.appendAll(List.of(intendOf(1), intendOf(2)));

    Optional<ChildIntent> first = view.childAttempt(CHILD, 1);
    Optional<ChildIntent> second = view.childAttempt(CHILD, 2);

    assertThat(first).map(ChildIntent::attempt).contains(1);
    assertThat(second).map(ChildIntent::attempt).contains(2);
    assertThat(queries).hasValue(0);
    // An attempt it never spawned is looked up in the log, which has none either.
    assertThat(view.childAttempt(CHILD, 3)).isEmpty();
    assertThat(queries.get()).isPositive();

    // After a restart nothing is held: the log answers, the same.
    ReceiverView restarted = new ReceiverView(trust, true, new RecordService(counted), CLOCK, 4);
    assertThat(restarted.childAttempt(CHILD, 1)).isEqualTo(first);
    assertThat(restarted.childAttempt(CHILD, 2)).isEqualTo(second);
  }

  private Record intendOf(int attempt) {
    ChildIntent intent =
        new ChildIntent(
            "default",
            "f".repeat(64),
            ThreadIds.derive("parent"),
            "http://127.0.0.1:1",
            "did:sync:instance:a000000000000000",
            0,
            attempt,
            "goal",
            null,
            null,
            "true",
            List.of(),
            null);
    return new Record(CHILD, trust.did(), Act.INTEND, intent.toBody(), attempt, List.of());
  }

  /** {@code store}, counting its queries. */
  private RecordStore counting(RecordStore store) {
    return (RecordStore)
        Proxy.newProxyInstance(
            RecordStore.class.getClassLoader(),
            new Class<?>[] {RecordStore.class},
            (proxy, method, args) -> {
              if (method.getName().equals("query")) {
                queries.incrementAndGet();
              }
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
