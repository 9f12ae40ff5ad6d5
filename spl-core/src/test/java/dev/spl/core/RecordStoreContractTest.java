package dev.spl.core;

import static dev.spl.core.TestRecords.record;
import static dev.spl.core.TestRecords.thread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link RecordStore} must have. An implementation's test extends this class
 * and says how to open an empty store.
 */
public abstract class RecordStoreContractTest {
  protected static final String WORKER = "http://127.0.0.1:9201";
  protected static final String COORDINATOR = "http://127.0.0.1:9100";

  protected final TestClock clock = new TestClock(1_700_000_000_000L);
  protected RecordStore store;

  /**
   * The unique keys of the contract's stores: a record with {@code body.topic "claim"} claims
   * {@code body.key}, replacing {@code body.replaces} when it has one.
   */
  protected static final UniqueKeys CLAIMS =
      new UniqueKeys() {
        @Override
        public Optional<UniqueClaim> claimOf(Record record) {
          if (!"claim".equals(record.topic())) {
            return Optional.empty();
          }
          String replaces = record.body().path("replaces").asText(null);
          String key = record.body().path("key").asText();
          return Optional.of(
              new UniqueClaim(key, replaces, "the key '" + key + "'", "choose another key"));
        }

        @Override
        public String version() {
          return "contract-1";
        }

        @Override
        public Set<String> topics() {
          return Set.of("claim");
        }
      };

  /** Opens an empty store that uses {@code clock} for received_at and decides {@code keys}. */
  protected abstract RecordStore openEmptyStore(TestClock clock, UniqueKeys keys);

  @BeforeEach
  void openStore() {
    store = openEmptyStore(clock, CLAIMS);
  }

  /** A record claiming {@code key}; {@code replaces} may be null. Distinct for each {@code n}. */
  protected static Record claim(String key, String replaces, long n) {
    return TestRecords.parse(
        "{\"thread\":\""
            + thread("claims")
            + "\",\"actor\":\""
            + TestRecords.ACTOR
            + "\",\"act\":\"INTEND\",\"clock\":"
            + n
            + ",\"body\":{\"topic\":\"claim\",\"key\":\""
            + key
            + "\""
            + (replaces == null ? "" : ",\"replaces\":\"" + replaces + "\"")
            + "}}");
  }

  @Test
  void atSeqsReturnsTheRecordsAtTheGivenSeqsInTheGivenOrderSkippingSeqsWithoutOne() {
    List<StoredRecord> stored = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      store.append(record(thread("seqs"), Act.DO, "work", i));
    }
    stored.addAll(store.query(RecordQuery.all(0, 10)));

    List<StoredRecord> read = store.atSeqs(new long[] {4, 0, 2, 99, -1, 5, 2});

    assertThat(read).extracting(StoredRecord::seq).containsExactly(4L, 2L, 5L, 2L);
    assertThat(read.get(0)).isEqualTo(stored.get(3));
    assertThat(read.get(1)).isEqualTo(stored.get(1));
    assertThat(store.atSeqs(new long[0])).isEmpty();
  }

  @Test
  void canonicalAtSeqsGivesTheStoredCanonicalJsonOfRecordsOfTheTopicWithTheirPositions() {
    for (int i = 1; i <= 3; i++) {
      store.append(record(thread("raw"), Act.DO, "work", i));
    }
    store.append(claim("alias:raw", null, 4));
    List<StoredRecord> stored = store.query(RecordQuery.all(0, 10));
    java.util.Map<Integer, String> seen = new java.util.TreeMap<>();

    store.canonicalAtSeqs(
        new long[] {3, 0, 1, 99, 4, -1},
        "work",
        (position, bytes, offset, length) ->
            seen.put(position, new String(bytes, offset, length, StandardCharsets.UTF_8)));

    assertThat(seen)
        .containsExactly(
            java.util.Map.entry(
                0,
                new String(
                    RecordIds.canonicalBytes(stored.get(2).record()), StandardCharsets.UTF_8)),
            java.util.Map.entry(
                2,
                new String(
                    RecordIds.canonicalBytes(stored.get(0).record()), StandardCharsets.UTF_8)));
  }

  @Test
  void canonicalAtSeqsFindsSeqsFarApartAndCloseTogetherGivenTwiceOrOfAnotherTopic() {
    for (int i = 1; i <= 60; i++) {
      store.append(record(thread("spread"), Act.DO, i % 2 == 0 ? "work" : "other", i));
    }
    List<StoredRecord> stored = store.query(RecordQuery.all(0, 100));
    java.util.Map<Integer, Long> seen = new java.util.TreeMap<>();
    RecordStore.CanonicalSink keep =
        (position, bytes, offset, length) -> {
          String json = new String(bytes, offset, length, StandardCharsets.UTF_8);
          for (StoredRecord one : stored) {
            if (new String(RecordIds.canonicalBytes(one.record()), StandardCharsets.UTF_8)
                .equals(json)) {
              seen.put(position, one.seq());
            }
          }
        };

    store.canonicalAtSeqs(new long[] {60, 2, 2, 59}, "work", keep);
    assertThat(seen)
        .containsExactly(
            java.util.Map.entry(0, 60L), java.util.Map.entry(1, 2L), java.util.Map.entry(2, 2L));

    seen.clear();
    store.canonicalAtSeqs(new long[] {10, 12, 14, 13}, "work", keep);
    assertThat(seen)
        .containsExactly(
            java.util.Map.entry(0, 10L), java.util.Map.entry(1, 12L), java.util.Map.entry(2, 14L));
  }

  @Test
  void anEnvelopeIsKeptBesideTheRecordsItCreatedAndOnlyThose() {
    Record before = record(thread("signed"), Act.DO, "work", 1);
    Record signed = record(thread("signed"), Act.DO, "work", 2);
    store.append(before);
    byte[] json = "{\"ids\":[],\"sig\":\"x\",\"signer\":\"d\"}".getBytes(StandardCharsets.UTF_8);
    StoredEnvelope envelope = new StoredEnvelope(Hex.sha256(json), json);

    store.appendAll(List.of(before, signed), List.of(), envelope);

    assertThat(store.envelopeOf(signed.id())).contains(envelope);
    // A record stored before keeps what it was first stored with: here, no signature.
    assertThat(store.envelopeOf(before.id())).isEmpty();
    assertThat(store.envelopeOf("0".repeat(64))).isEmpty();
    assertThat(store.envelopeOf("not an id")).isEmpty();
  }

  @Test
  void aSecondClaimOfAHeldKeyIsRefusedNamingTheHolderAndStoresNothing() {
    Record first = claim("alias:a", null, 1);
    Record second = claim("alias:a", null, 2);
    Record bystander = record(thread("x"), Act.DO, "work", 3);
    store.append(first);

    assertThatThrownBy(
            () ->
                store.appendAll(
                    List.of(bystander, second), List.of(new OutboxEntry(WORKER, bystander.id()))))
        .isInstanceOfSatisfying(
            UniqueKeyConflictException.class,
            e -> {
              assertThat(e.index()).isEqualTo(1);
              assertThat(e.holder()).isEqualTo(first.id());
              assertThat(e.claim().key()).isEqualTo("alias:a");
              assertThat(e.getMessage())
                  .contains("the key 'alias:a' is already held by record " + first.id())
                  .contains("choose another key");
            });
    assertThat(store.count()).isEqualTo(1);
    assertThat(store.get(bystander.id())).isEmpty();
    assertThat(store.get(second.id())).isEmpty();
    assertThat(store.pendingDeliveries(WORKER, 10)).isEmpty();
    // Another key, and records that claim nothing, are unaffected.
    assertThat(store.append(claim("alias:b", null, 4)).created()).isTrue();
    assertThat(store.append(bystander).created()).isTrue();
  }

  @Test
  void resendingTheHolderIsANoOpNotAConflict() {
    Record first = claim("alias:a", null, 1);
    AppendResult stored = store.append(first);

    AppendResult again = store.append(first);
    List<AppendResult> batch = store.appendAll(List.of(first, first));

    assertThat(again.created()).isFalse();
    assertThat(again.stored()).isEqualTo(stored.stored());
    assertThat(batch).extracting(AppendResult::created).containsExactly(false, false);
    assertThat(store.count()).isEqualTo(1);
  }

  @Test
  void twoClaimsOfOneKeyInOneCallRefuseTheCall() {
    Record first = claim("alias:a", null, 1);
    Record second = claim("alias:a", null, 2);

    assertThatThrownBy(() -> store.appendAll(List.of(first, second)))
        .isInstanceOfSatisfying(
            UniqueKeyConflictException.class,
            e -> {
              assertThat(e.index()).isEqualTo(1);
              assertThat(e.holder()).isEqualTo(first.id());
            });
    assertThat(store.count()).isZero();
    // Within one call a record may take over the key an earlier one just claimed.
    Record replacing = claim("alias:a", first.id(), 3);
    assertThat(store.appendAll(List.of(first, replacing)))
        .extracting(AppendResult::created)
        .containsExactly(true, true);
  }

  @Test
  void aReplaceMustNameTheCurrentHolder() {
    Record first = claim("fanout-of:t", null, 1);
    Record second = claim("fanout-of:t", first.id(), 2);
    Record stale = claim("fanout-of:t", first.id(), 3);
    Record third = claim("fanout-of:t", second.id(), 4);
    Record nothingToReplace = claim("fanout-of:u", first.id(), 5);
    store.append(first);

    assertThat(store.append(second).created()).isTrue();
    assertThatThrownBy(() -> store.append(stale))
        .isInstanceOfSatisfying(
            UniqueKeyConflictException.class,
            e -> {
              assertThat(e.holder()).isEqualTo(second.id());
              assertThat(e.getMessage())
                  .contains("the record replaces " + first.id())
                  .contains("record " + second.id() + " holds it");
            });
    assertThat(store.append(third).created()).isTrue();
    assertThatThrownBy(() -> store.append(nothingToReplace))
        .isInstanceOfSatisfying(
            UniqueKeyConflictException.class,
            e -> {
              assertThat(e.holder()).isNull();
              assertThat(e.getMessage()).contains("but no record holds it");
            });
    assertThat(store.get(stale.id())).isEmpty();
    assertThat(store.count()).isEqualTo(3);
  }

  @Test
  void ofConcurrentClaimsOfOneKeyExactlyOneWins() throws Exception {
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      for (int trial = 0; trial < 20; trial++) {
        String key = "alias:race-" + trial;
        Record holder = claim("fanout-of:race-" + trial, null, trial * 100L);
        store.append(holder);
        List<Record> claims = new ArrayList<>();
        List<Record> replaces = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          claims.add(claim(key, null, trial * 100L + 1 + w));
          replaces.add(claim("fanout-of:race-" + trial, holder.id(), trial * 100L + 50 + w));
        }
        assertThat(race(pool, claims)).as("trial %d: new key", trial).hasSize(1);
        assertThat(race(pool, replaces)).as("trial %d: replacements", trial).hasSize(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Appends each record on its own thread, all released at once; returns those that won. */
  private List<Record> race(ExecutorService pool, List<Record> records) throws Exception {
    CountDownLatch ready = new CountDownLatch(records.size());
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Boolean>> futures = new ArrayList<>();
    for (Record record : records) {
      futures.add(
          pool.submit(
              () -> {
                ready.countDown();
                go.await();
                try {
                  return store.append(record).created();
                } catch (UniqueKeyConflictException e) {
                  return false;
                }
              }));
    }
    assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
    go.countDown();
    List<Record> won = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      if (futures.get(i).get(30, TimeUnit.SECONDS)) {
        won.add(records.get(i));
      }
    }
    for (Record record : records) {
      assertThat(store.get(record.id()).isPresent()).isEqualTo(won.contains(record));
    }
    return won;
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void appendStoresTheRecordWithSeqAndReceivedAt() {
    Record record = record(thread("a"), Act.INTEND, "task", 1);

    AppendResult result = store.append(record);

    assertThat(result.created()).isTrue();
    assertThat(result.stored().id()).isEqualTo(record.id());
    assertThat(result.stored().seq()).isEqualTo(1);
    assertThat(result.stored().receivedAtMillis()).isEqualTo(clock.millis());
    assertThat(store.get(record.id())).contains(result.stored());
    assertThat(store.get(record.id()).orElseThrow().record()).isEqualTo(record);
    assertThat(store.lastSeq()).isEqualTo(1);
    assertThat(store.count()).isEqualTo(1);
  }

  @Test
  void readsReturnAnEqualRecordWithTheSameId() {
    Record record =
        TestRecords.parse(
            "{\"thread\":\""
                + thread("b")
                + "\",\"actor\":\"did:sync:user:ana\",\"act\":\"KNOW\",\"clock\":7,"
                + "\"parents\":[\""
                + "b".repeat(64)
                + "\",\""
                + "a".repeat(64)
                + "\"],"
                + "\"body\":{\"z\":[1.50,-0,1e3,null,true,{\"y\":\"\\u00e9\\ud83d\\ude00\\n\"}],"
                + "\"a\":{\"big\":1e30,\"third\":333333333.33333329,\"tiny\":1E-7}}}");

    store.append(record);
    Record read = store.get(record.id()).orElseThrow().record();

    assertThat(read).isEqualTo(record);
    assertThat(read.id()).isEqualTo(record.id());
    assertThat(read.parents()).containsExactly("a".repeat(64), "b".repeat(64));
  }

  @Test
  void appendingAnExistingIdReturnsTheStoredRecordAndChangesNothing() {
    Record record = record(thread("a"), Act.DO, "work", 1);
    StoredRecord first = store.append(record).stored();
    clock.advance(5_000);

    AppendResult again = store.append(record(thread("a"), Act.DO, "work", 1));

    assertThat(again.created()).isFalse();
    assertThat(again.stored()).isEqualTo(first);
    assertThat(again.stored().receivedAtMillis()).isEqualTo(first.receivedAtMillis());
    assertThat(store.lastSeq()).isEqualTo(1);
    assertThat(store.count()).isEqualTo(1);
  }

  @Test
  void aNumberWrittenDifferentlyIsTheSameRecord() {
    String template =
        "{\"thread\":\""
            + thread("n")
            + "\",\"actor\":\""
            + TestRecords.ACTOR
            + "\","
            + "\"act\":\"KNOW\",\"body\":{\"cost_usd\":%s}}";
    AppendResult first = store.append(TestRecords.parse(String.format(template, "1.50")));

    AppendResult second = store.append(TestRecords.parse(String.format(template, "1.5")));

    assertThat(second.created()).isFalse();
    assertThat(second.stored().seq()).isEqualTo(first.stored().seq());
  }

  @Test
  void duplicatesInsideOneBatchAreStoredOnce() {
    Record a = record(thread("a"), Act.DO, "work", 1);
    Record b = record(thread("a"), Act.DO, "work", 2);

    List<AppendResult> results = store.appendAll(List.of(a, a, b));

    assertThat(results).extracting(AppendResult::created).containsExactly(true, false, true);
    assertThat(results).extracting(r -> r.stored().seq()).containsExactly(1L, 1L, 2L);
    assertThat(results.get(1).stored()).isEqualTo(results.get(0).stored());
    assertThat(store.count()).isEqualTo(2);
  }

  @Test
  void aBatchWithADeliveryOfAnUnknownRecordStoresNothing() {
    store.append(record(thread("a"), Act.DO, "before", 0));
    Record a = record(thread("a"), Act.DO, "work", 1);
    Record b = record(thread("b"), Act.DO, "work", 2);
    String unknown = "f".repeat(64);

    assertThatThrownBy(
            () ->
                store.appendAll(
                    List.of(a, b),
                    List.of(new OutboxEntry(WORKER, a.id()), new OutboxEntry(WORKER, unknown))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deliveries[1].recordId")
        .hasMessageContaining(unknown);

    assertThat(store.get(a.id())).isEmpty();
    assertThat(store.get(b.id())).isEmpty();
    assertThat(store.lastSeq()).isEqualTo(1);
    assertThat(store.count()).isEqualTo(1);
    assertThat(store.query(RecordQuery.all(0, 100))).hasSize(1);
    assertThat(store.query(new RecordQuery(thread("b"), null, null, 0, 100))).isEmpty();
    assertThat(store.deliveryDestinations()).isEmpty();
    assertThat(store.pendingDeliveries(WORKER, 10)).isEmpty();

    List<AppendResult> retried = store.appendAll(List.of(a, b), List.of());
    assertThat(retried).extracting(r -> r.stored().seq()).containsExactly(2L, 3L);
  }

  @Test
  void unknownAndMalformedIdsReadAsEmpty() {
    store.append(record(thread("a"), Act.DO, "work", 1));

    assertThat(store.get("0".repeat(64))).isEmpty();
    assertThat(store.get("not-an-id")).isEmpty();
  }

  @Test
  void threadReadsComeInAppendOrder() {
    String t1 = thread("one");
    String t2 = thread("two");
    List<Record> t1Records = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Record r1 = record(t1, Act.DO, "work", 100 - i);
      t1Records.add(r1);
      store.append(r1);
      store.append(record(t2, Act.DO, "work", i));
      store.append(record(ThreadIds.FLEET_CONTROL, Act.LEARN, "freeze", i));
    }

    List<StoredRecord> thread1 = store.query(new RecordQuery(t1, null, null, 0, 100));

    assertThat(thread1).extracting(StoredRecord::record).containsExactlyElementsOf(t1Records);
    assertThat(thread1).extracting(StoredRecord::seq).isSorted();
    long third = thread1.get(2).seq();
    assertThat(store.query(new RecordQuery(t1, null, null, third, 3)))
        .extracting(StoredRecord::record)
        .containsExactlyElementsOf(t1Records.subList(3, 6));
    assertThat(store.query(new RecordQuery(ThreadIds.FLEET_CONTROL, null, null, 0, 100)))
        .hasSize(10)
        .allSatisfy(s -> assertThat(s.record().thread()).isEqualTo(ThreadIds.FLEET_CONTROL));
  }

  @Test
  void theGlobalCursorFiltersByTopicActAndThreadWithALimit() {
    String t1 = thread("one");
    String t2 = thread("two");
    for (int i = 0; i < 30; i++) {
      Act act = i % 3 == 0 ? Act.KNOW : Act.DO;
      String topic = i % 2 == 0 ? "even" : "odd";
      store.append(record(i % 5 == 0 ? t2 : t1, act, topic, i));
    }

    assertThat(store.query(RecordQuery.all(0, 100)))
        .extracting(StoredRecord::seq)
        .containsExactlyElementsOf(seqs(1, 30));
    assertThat(store.query(RecordQuery.all(25, 100)))
        .extracting(StoredRecord::seq)
        .containsExactly(26L, 27L, 28L, 29L, 30L);
    assertThat(store.query(RecordQuery.all(10, 3)))
        .extracting(StoredRecord::seq)
        .containsExactly(11L, 12L, 13L);
    assertThat(store.query(RecordQuery.all(30, 100))).isEmpty();

    // record n has seq n + 1
    assertThat(store.query(new RecordQuery(null, "even", Act.KNOW, 0, 100)))
        .extracting(StoredRecord::seq)
        .containsExactly(1L, 7L, 13L, 19L, 25L);
    assertThat(store.query(new RecordQuery(null, "even", Act.KNOW, 7, 2)))
        .extracting(StoredRecord::seq)
        .containsExactly(13L, 19L);
    assertThat(store.query(new RecordQuery(null, null, Act.KNOW, 0, 100))).hasSize(10);
    assertThat(store.query(new RecordQuery(null, "odd", null, 0, 100))).hasSize(15);
    assertThat(store.query(new RecordQuery(null, "missing", null, 0, 100))).isEmpty();
    assertThat(store.query(new RecordQuery(t2, "even", null, 0, 100)))
        .extracting(StoredRecord::seq)
        .containsExactly(1L, 11L, 21L);
    assertThat(store.query(new RecordQuery(t2, null, Act.KNOW, 0, 100)))
        .extracting(StoredRecord::seq)
        .containsExactly(1L, 16L);
    assertThat(store.query(new RecordQuery(thread("nobody"), null, null, 0, 100))).isEmpty();
  }

  @Test
  void aBodyWithoutTopicMatchesNoTopicFilter() {
    Record plain =
        TestRecords.parse(
            "{\"thread\":\""
                + thread("a")
                + "\",\"actor\":\""
                + TestRecords.ACTOR
                + "\",\"act\":\"DO\",\"body\":{\"topic\":7}}");
    store.append(plain);

    assertThat(store.query(new RecordQuery(null, "7", null, 0, 10))).isEmpty();
    assertThat(store.query(new RecordQuery(null, null, Act.DO, 0, 10))).hasSize(1);
  }

  @Test
  void deliveriesArePendingInEnqueueOrderUntilAcknowledged() {
    Record stored = store.append(record(thread("a"), Act.INTEND, "task", 0)).stored().record();
    Record child1 = record(thread("c1"), Act.INTEND, "fanout_child", 1);
    Record child2 = record(thread("c2"), Act.INTEND, "fanout_child", 2);
    Record done = record(thread("a"), Act.DO, "fanout_spawned", 3);

    store.appendAll(
        List.of(child1, child2, done),
        List.of(
            new OutboxEntry(WORKER, child2.id()),
            new OutboxEntry(WORKER, child1.id()),
            new OutboxEntry(COORDINATOR, done.id()),
            new OutboxEntry(WORKER, stored.id())));

    assertThat(store.deliveryDestinations()).containsExactlyInAnyOrder(WORKER, COORDINATOR);
    List<PendingDelivery> pending = store.pendingDeliveries(WORKER, 10);
    assertThat(pending)
        .extracting(p -> p.record().record())
        .containsExactly(child2, child1, stored);
    assertThat(pending).extracting(PendingDelivery::destination).containsOnly(WORKER);
    assertThat(pending).extracting(PendingDelivery::key).isSorted().doesNotHaveDuplicates();
    assertThat(pending.get(0).record()).isEqualTo(store.get(child2.id()).orElseThrow());
    assertThat(store.pendingDeliveries(WORKER, 2))
        .extracting(PendingDelivery::key)
        .containsExactly(pending.get(0).key(), pending.get(1).key());
    assertThat(store.pendingDeliveries("http://127.0.0.1:1", 10)).isEmpty();
    assertThatThrownBy(() -> store.pendingDeliveries(WORKER, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit");

    store.acknowledgeDeliveries(List.of(pending.get(0).key(), pending.get(2).key(), 999_999L));

    assertThat(store.pendingDeliveries(WORKER, 10))
        .extracting(PendingDelivery::key)
        .containsExactly(pending.get(1).key());
    store.acknowledgeDeliveries(List.of(pending.get(1).key(), pending.get(1).key()));
    assertThat(store.pendingDeliveries(WORKER, 10)).isEmpty();
    assertThat(store.deliveryDestinations()).containsExactly(COORDINATOR);
    assertThat(store.pendingDeliveries(COORDINATOR, 10))
        .extracting(p -> p.record().id())
        .containsExactly(done.id());
  }

  @Test
  void deliveryKeysKeepGrowingAfterAcknowledgements() {
    Record a = record(thread("a"), Act.INTEND, "task", 0);
    store.appendAll(List.of(a), List.of(new OutboxEntry(WORKER, a.id())));
    long first = store.pendingDeliveries(WORKER, 10).get(0).key();
    store.acknowledgeDeliveries(List.of(first));

    store.appendAll(List.of(), List.of(new OutboxEntry(WORKER, a.id())));

    assertThat(store.pendingDeliveries(WORKER, 10))
        .singleElement()
        .satisfies(p -> assertThat(p.key()).isGreaterThan(first));
  }

  @Test
  void pendingDeliveriesStayExactUnderInterleavedReadsAndOutOfOrderAcknowledgements() {
    java.util.Random random = new java.util.Random(42);
    java.util.TreeSet<Long> expected = new java.util.TreeSet<>();
    long[] lastKey = {0};
    Record a = record(thread("a"), Act.INTEND, "task", 0);
    store.append(a);
    for (int round = 0; round < 300; round++) {
      int enqueue = random.nextInt(4);
      List<OutboxEntry> entries = new java.util.ArrayList<>();
      for (int i = 0; i < enqueue; i++) {
        entries.add(new OutboxEntry(WORKER, a.id()));
      }
      store.appendAll(List.of(), entries);
      List<PendingDelivery> pending = store.pendingDeliveries(WORKER, 1000);
      List<Long> added =
          pending.stream().map(PendingDelivery::key).filter(k -> !expected.contains(k)).toList();
      assertThat(added).hasSize(enqueue);
      assertThat(added).allSatisfy(k -> assertThat(k).isGreaterThan(lastKey[0]));
      expected.addAll(added);
      if (!added.isEmpty()) {
        lastKey[0] = added.get(added.size() - 1);
      }
      assertThat(pending).extracting(PendingDelivery::key).containsExactlyElementsOf(expected);
      assertThat(store.deliveryDestinations().contains(WORKER)).isEqualTo(!expected.isEmpty());
      // Acknowledge a random subset, not necessarily the oldest first.
      List<Long> acknowledged = new java.util.ArrayList<>();
      for (Long key : expected) {
        if (random.nextInt(3) == 0) {
          acknowledged.add(key);
        }
      }
      store.acknowledgeDeliveries(acknowledged);
      acknowledged.forEach(expected::remove);
      assertThat(store.pendingDeliveries(WORKER, 1000))
          .extracting(PendingDelivery::key)
          .containsExactlyElementsOf(expected);
    }
  }

  protected static final String WORKER_MOVED = "http://127.0.0.1:9301";

  @Test
  void readdressingMovesEveryPendingDeliveryInOrderBehindWhatTheNewAddressHad() {
    List<Record> queued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queued.add(record(thread("c" + i), Act.INTEND, "fanout_child", i));
    }
    Record already = record(thread("x"), Act.INTEND, "fanout_child", 10);
    Record control = record(thread("ctl"), Act.DO, "freeze", 11);
    List<OutboxEntry> deliveries = new ArrayList<>();
    // Interleaved with the other destinations' deliveries, not in id order.
    deliveries.add(new OutboxEntry(WORKER, queued.get(3).id()));
    deliveries.add(new OutboxEntry(WORKER_MOVED, already.id()));
    deliveries.add(new OutboxEntry(WORKER, queued.get(0).id()));
    deliveries.add(new OutboxEntry(COORDINATOR, control.id()));
    deliveries.add(new OutboxEntry(WORKER, queued.get(4).id()));
    deliveries.add(new OutboxEntry(WORKER, queued.get(1).id()));
    deliveries.add(new OutboxEntry(WORKER, queued.get(2).id()));
    List<Record> all = new ArrayList<>(queued);
    all.add(already);
    all.add(control);
    store.appendAll(all, deliveries);
    long acknowledged = store.pendingDeliveries(WORKER, 10).get(3).key();
    store.acknowledgeDeliveries(List.of(acknowledged));

    int moved = store.readdressDeliveries(WORKER, WORKER_MOVED);

    assertThat(moved).isEqualTo(4);
    assertThat(store.pendingDeliveries(WORKER, 10)).isEmpty();
    assertThat(store.deliveryDestinations()).containsExactlyInAnyOrder(WORKER_MOVED, COORDINATOR);
    List<PendingDelivery> pending = store.pendingDeliveries(WORKER_MOVED, 10);
    assertThat(pending)
        .extracting(p -> p.record().id())
        .containsExactly(
            already.id(),
            queued.get(3).id(),
            queued.get(0).id(),
            queued.get(4).id(),
            queued.get(2).id());
    assertThat(pending).extracting(PendingDelivery::destination).containsOnly(WORKER_MOVED);
    assertThat(pending).extracting(PendingDelivery::key).isSorted().doesNotHaveDuplicates();
    assertThat(pending.get(1).record()).isEqualTo(store.get(queued.get(3).id()).orElseThrow());
    assertThat(store.pendingDeliveries(COORDINATOR, 10))
        .extracting(p -> p.record().id())
        .containsExactly(control.id());

    // What is queued for the new address afterwards comes behind what moved.
    Record later = record(thread("later"), Act.INTEND, "fanout_child", 12);
    store.appendAll(List.of(later), List.of(new OutboxEntry(WORKER_MOVED, later.id())));
    assertThat(store.pendingDeliveries(WORKER_MOVED, 10))
        .extracting(p -> p.record().id())
        .hasSize(6)
        .endsWith(queued.get(2).id(), later.id());

    store.acknowledgeDeliveries(List.of(pending.get(0).key(), pending.get(1).key()));
    assertThat(store.pendingDeliveries(WORKER_MOVED, 10))
        .extracting(p -> p.record().id())
        .containsExactly(queued.get(0).id(), queued.get(4).id(), queued.get(2).id(), later.id());
  }

  @Test
  void readdressingAnAddressWithNothingPendingMovesNothing() {
    Record a = record(thread("a"), Act.INTEND, "task", 0);
    store.appendAll(List.of(a), List.of(new OutboxEntry(WORKER, a.id())));
    List<PendingDelivery> before = store.pendingDeliveries(WORKER, 10);

    assertThat(store.readdressDeliveries("http://127.0.0.1:1", WORKER_MOVED)).isZero();
    assertThat(store.readdressDeliveries(WORKER, WORKER)).isZero();

    assertThat(store.pendingDeliveries(WORKER, 10)).isEqualTo(before);
    assertThat(store.pendingDeliveries(WORKER_MOVED, 10)).isEmpty();
    assertThat(store.deliveryDestinations()).containsExactly(WORKER);

    store.acknowledgeDeliveries(List.of(before.get(0).key()));
    assertThat(store.readdressDeliveries(WORKER, WORKER_MOVED)).isZero();
    assertThat(store.deliveryDestinations()).isEmpty();
  }

  @Test
  void readdressingToAnAddressNoDeliveryCouldHaveIsRefused() {
    assertThatThrownBy(() -> store.readdressDeliveries(WORKER, " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("to: expected a base URL");
  }

  @Test
  void readdressingMoreThanOneBatchMovesThemAllInOrder() {
    Record a = record(thread("a"), Act.INTEND, "task", 0);
    Record b = record(thread("b"), Act.INTEND, "task", 1);
    store.appendAll(List.of(a, b), List.of());
    int count = RecordStore.READDRESS_BATCH * 2 + 7;
    List<OutboxEntry> deliveries = new ArrayList<>(count);
    List<String> expected = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String id = i % 3 == 0 ? b.id() : a.id();
      deliveries.add(new OutboxEntry(WORKER, id));
      expected.add(id);
    }
    store.appendAll(List.of(), deliveries);

    assertThat(store.readdressDeliveries(WORKER, WORKER_MOVED)).isEqualTo(count);

    assertThat(store.pendingDeliveries(WORKER, 10)).isEmpty();
    List<PendingDelivery> pending = store.pendingDeliveries(WORKER_MOVED, count + 1);
    assertThat(pending).extracting(p -> p.record().id()).containsExactlyElementsOf(expected);
    assertThat(pending).extracting(PendingDelivery::key).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void metadataIsOverwrittenAndCopied() {
    assertThat(store.getMeta("heartbeat/w1")).isEmpty();

    byte[] value = "one".getBytes(StandardCharsets.UTF_8);
    store.putMeta("heartbeat/w1", value);
    value[0] = 'X';
    assertThat(store.getMeta("heartbeat/w1"))
        .hasValueSatisfying(v -> assertThat(v).asString().isEqualTo("one"));

    store.putMeta("heartbeat/w1", "two".getBytes(StandardCharsets.UTF_8));
    store.putMeta("heartbeat/w2", new byte[0]);

    assertThat(new String(store.getMeta("heartbeat/w1").orElseThrow(), StandardCharsets.UTF_8))
        .isEqualTo("two");
    assertThat(store.getMeta("heartbeat/w2")).hasValueSatisfying(v -> assertThat(v).isEmpty());
    assertThat(store.count()).isZero();
  }

  @Test
  void concurrentAppendersNeitherLoseNorDuplicateSeqs() throws Exception {
    int writers = 8;
    int perWriter = 150;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<AppendResult>>> futures = new ArrayList<>();
    try {
      for (int w = 0; w < writers; w++) {
        int writer = w;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  List<AppendResult> results = new ArrayList<>();
                  for (int i = 0; i < perWriter; i++) {
                    // every writer also appends the shared records 0..9: only one may create each
                    Record own = record(thread("w" + writer), Act.DO, "work", i);
                    Record shared = record(thread("shared"), Act.DO, "work", i % 10);
                    if (i % 3 == 0) {
                      results.addAll(store.appendAll(List.of(own, shared)));
                    } else {
                      results.add(store.append(own));
                      results.add(store.append(shared));
                    }
                  }
                  return results;
                }));
      }
      start.countDown();
      Map<String, Long> seqById = new HashMap<>();
      Set<Long> createdSeqs = new HashSet<>();
      int created = 0;
      for (Future<List<AppendResult>> future : futures) {
        for (AppendResult result : future.get(60, TimeUnit.SECONDS)) {
          Long previous = seqById.putIfAbsent(result.stored().id(), result.stored().seq());
          if (previous != null) {
            assertThat(result.stored().seq()).isEqualTo(previous);
          }
          if (result.created()) {
            created++;
            assertThat(createdSeqs.add(result.stored().seq())).isTrue();
          }
        }
      }
      int expected = writers * perWriter + 10;
      assertThat(created).isEqualTo(expected);
      assertThat(createdSeqs).containsExactlyInAnyOrderElementsOf(seqs(1, expected));
      assertThat(store.lastSeq()).isEqualTo(expected);
      assertThat(store.count()).isEqualTo(expected);
      List<StoredRecord> all = new ArrayList<>();
      long after = 0;
      List<StoredRecord> page;
      while (!(page = store.query(RecordQuery.all(after, 500))).isEmpty()) {
        all.addAll(page);
        after = page.get(page.size() - 1).seq();
      }
      assertThat(all).extracting(StoredRecord::seq).containsExactlyElementsOf(seqs(1, expected));
      for (StoredRecord stored : all) {
        assertThat(seqById).containsEntry(stored.id(), stored.seq());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  protected static List<Long> seqs(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      out.add(s);
    }
    return out;
  }

  @Test
  void anAppendToldWhenWrittenHandsItsResultsOnceReadableAndReturnsTheSame() {
    Record stored = record(thread("written"), Act.INTEND, "task", 1);
    store.append(stored);
    Record fresh = record(thread("written"), Act.KNOW, "done", 2);
    List<List<AppendResult>> told = new ArrayList<>();
    List<Optional<StoredRecord>> readInside = new ArrayList<>();

    List<AppendResult> results =
        store.appendAll(
            List.of(stored, fresh),
            List.of(new OutboxEntry(WORKER, fresh.id())),
            null,
            written -> {
              told.add(written);
              readInside.add(store.get(fresh.id()));
            });

    assertThat(told).containsExactly(results);
    assertThat(results).extracting(AppendResult::created).containsExactly(false, true);
    assertThat(readInside.get(0)).contains(results.get(1).stored());
    assertThat(store.pendingDeliveries(WORKER, 10)).hasSize(1);
  }

  @Test
  void aRefusedAppendToldWhenWrittenIsNeverTold() {
    Record record = record(thread("refused"), Act.KNOW, "done", 1);
    List<List<AppendResult>> told = new ArrayList<>();
    String unknown = record(thread("other"), Act.KNOW, "done", 2).id();

    assertThatThrownBy(
            () ->
                store.appendAll(
                    List.of(record), List.of(new OutboxEntry(WORKER, unknown)), null, told::add))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(told).isEmpty();
    assertThat(store.get(record.id())).isEmpty();
  }
}
