package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DataLoopTest {
  private static final ChildTemplate SHARDS =
      ChildTemplate.parseCli("goal=shard {{shard}} of {{n}}");

  @Test
  void aRangeIsCutIntoShardsWithoutMaterialisingIt() {
    DataLoop loop = DataLoop.range(0, 1_000_000_000L, 10_000, SHARDS);
    assertThat(loop.width()).isEqualTo(100_000);
    assertThat(loop.iterFrom(0)).isZero();
    assertThat(loop.iterTo(0)).isEqualTo(10_000);
    assertThat(loop.iterFrom(99_999)).isEqualTo(999_990_000L);
    assertThat(loop.iterTo(99_999)).isEqualTo(1_000_000_000L);
    DataLoop.Child last = loop.child(99_999, DataLoop.ItemChunks.none());
    assertThat(last.goal()).isEqualTo("shard 99999 of 100000");
    assertThat(last.items()).isNull();
  }

  @Test
  void theLastShardHoldsWhatIsLeft() {
    DataLoop loop = DataLoop.range(-5, 6, 4, SHARDS);
    assertThat(loop.width()).isEqualTo(3);
    assertThat(List.of(loop.iterFrom(2), loop.iterTo(2))).containsExactly(3L, 6L);
  }

  @Test
  void identityIsStableAndDistinct() {
    String a = DataLoop.idempotencyKey("f", 1, 10, 20);
    assertThat(a).isEqualTo(DataLoop.idempotencyKey("f", 1, 10, 20)).hasSize(64);
    assertThat(a)
        .isNotEqualTo(DataLoop.idempotencyKey("f", 2, 10, 20))
        .isNotEqualTo(DataLoop.idempotencyKey("g", 1, 10, 20))
        .isNotEqualTo(DataLoop.idempotencyKey("f", 1, 10, 21));
    assertThat(DataLoop.childThread("f", 3)).isEqualTo(DataLoop.childThread("f", 3));
    assertThat(DataLoop.childThread("f", 3)).isNotEqualTo(DataLoop.childThread("f", 4));
  }

  @Test
  void badRangesAndShardsAreRefused() {
    assertThatThrownBy(() -> DataLoop.range(5, 1, 1, SHARDS))
        .hasMessage("--range: expected FROM..TO with FROM <= TO but found 5..1");
    assertThatThrownBy(() -> DataLoop.range(3, 3, 1, SHARDS)).hasMessageContaining("no points");
    assertThatThrownBy(() -> DataLoop.range(0, 1L << 54, 1, SHARDS))
        .hasMessageContaining("magnitude at most 9007199254740992");
    assertThatThrownBy(() -> DataLoop.range(0, 10, 0, SHARDS))
        .hasMessage("--shard-size: expected a whole number >= 1 but found 0");
    assertThatThrownBy(() -> DataLoop.items(0, 1, SHARDS)).hasMessage("--items: no items");
  }

  @Test
  void aTemplateThatNamesOneItemNeedsOneItemPerChild() {
    ChildTemplate perItem = ChildTemplate.parseCli("goal=do {{item}}");
    assertThatThrownBy(() -> DataLoop.items(10, 2, perItem))
        .hasMessageContaining("{{item}} names one item, but each child gets up to 2");
    assertThatThrownBy(() -> DataLoop.range(0, 9, 1, ChildTemplate.parseCli("goal={{item.x}}")))
        .hasMessageContaining("the points of a range are numbers and have no fields");
    assertThat(DataLoop.range(0, 9, 1, perItem).child(3, DataLoop.ItemChunks.none()).goal())
        .isEqualTo("do 3");
  }

  @Test
  void itemsAreReadFromTheChunksThatHoldThem() {
    List<List<JsonNode>> chunkItems = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      List<JsonNode> items = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        items.add(Json.parse("{\"n\":" + (c * 4 + i) + "}"));
      }
      chunkItems.add(items);
    }
    List<String> reads = new ArrayList<>();
    FanoutLog log =
        new FanoutLog() {
          @Override
          public List<JsonNode> items(String chunkId) {
            reads.add(chunkId);
            return chunkItems.get(Integer.parseInt(chunkId));
          }

          @Override
          public Optional<ChildDone> childDone(long seq) {
            return Optional.empty();
          }
        };
    DataLoop.ItemChunks chunks =
        new DataLoop.ItemChunks(List.of("0", "1", "2"), new long[] {0, 4, 8}, log);
    DataLoop loop = DataLoop.items(12, 5, SHARDS);
    DataLoop.Child middle = loop.child(1, chunks);
    assertThat(middle.iterFrom()).isEqualTo(5);
    assertThat(middle.items()).extracting(n -> n.path("n").asInt()).containsExactly(5, 6, 7, 8, 9);
    assertThat(reads).containsExactly("1", "2");
    assertThat(loop.child(2, chunks).items()).hasSize(2);
  }
}
