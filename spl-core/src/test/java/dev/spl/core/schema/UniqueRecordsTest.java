package dev.spl.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.InMemoryRecordStore;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.UniqueClaim;
import dev.spl.core.UniqueKeyConflictException;
import dev.spl.core.fanout.FanoutParent;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class UniqueRecordsTest {
  private static final String USER = "did:sync:user:ana";
  private static final String TASK = ThreadIds.derive("task", "one");

  private static Record task(String thread, String alias) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", "task");
    body.put("title", "t");
    if (alias != null) {
      body.put("alias", alias);
    }
    return new Record(thread, USER, Act.INTEND, body, 0, List.of());
  }

  private static Record fanout(String thread, String replaces, long createdAt) {
    ObjectNode body =
        new FanoutParent("default", "all", 1, List.of("a".repeat(64)), 3, replaces, createdAt)
            .toBody();
    return new Record(thread, USER, Act.INTEND, body, 1, List.of("a".repeat(64)));
  }

  @Test
  void aTaskClaimsItsAliasAndAFanoutItsTasksSingleFanout() {
    UniqueClaim alias = UniqueRecords.SPL.claimOf(task(TASK, "docs-v2")).orElseThrow();
    assertThat(alias.key()).isEqualTo("alias:docs-v2");
    assertThat(alias.replaces()).isNull();

    UniqueClaim first = UniqueRecords.SPL.claimOf(fanout(TASK, null, 1)).orElseThrow();
    assertThat(first.key()).isEqualTo("fanout-of:" + TASK);
    assertThat(first.replaces()).isNull();
    UniqueClaim second = UniqueRecords.SPL.claimOf(fanout(TASK, "b".repeat(64), 2)).orElseThrow();
    assertThat(second.key()).isEqualTo(first.key());
    assertThat(second.replaces()).isEqualTo("b".repeat(64));
  }

  @Test
  void recordsOfOtherKindsAndMalformedParentsClaimNothing() {
    assertThat(UniqueRecords.SPL.claimOf(task(TASK, null))).isEmpty();
    assertThat(UniqueRecords.SPL.claimOf(task(TASK, ""))).isEmpty();
    Record know = new Record(TASK, USER, Act.KNOW, task(TASK, "x").body(), 0, List.of());
    assertThat(UniqueRecords.SPL.claimOf(know)).isEmpty();
    ObjectNode broken = Json.MAPPER.createObjectNode().put("topic", "fanout");
    assertThat(UniqueRecords.SPL.claimOf(new Record(TASK, USER, Act.INTEND, broken, 0, List.of())))
        .isEmpty();
    assertThat(UniqueRecords.SPL.topics()).containsExactlyInAnyOrder("task", "fanout");
  }

  @Test
  void aStoreWithTheRulesKeepsOneTaskPerAliasAndOneFanoutPerTask() {
    InMemoryRecordStore store = new InMemoryRecordStore(Clock.systemUTC(), UniqueRecords.SPL);
    store.append(task(TASK, "docs"));
    String other = ThreadIds.derive("task", "two");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.append(task(other, "docs")))
        .isInstanceOf(UniqueKeyConflictException.class)
        .hasMessageContaining("the task alias 'docs' is already held by record");

    Record first = fanout(TASK, null, 1);
    store.append(first);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.append(fanout(TASK, null, 2)))
        .isInstanceOf(UniqueKeyConflictException.class)
        .hasMessageContaining("the fan-out of task " + TASK + " is already held by record")
        .hasMessageContaining("body.replaces");
    assertThat(store.append(fanout(TASK, first.id(), 3)).created()).isTrue();
    assertThat(store.append(fanout(other, null, 4)).created()).isTrue();
  }
}
