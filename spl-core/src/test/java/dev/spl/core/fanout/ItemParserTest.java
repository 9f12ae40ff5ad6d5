package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ItemParserTest {
  private static List<ItemParser.Item> read(String text, ItemParser.Format format) {
    List<ItemParser.Item> items = new ArrayList<>();
    long count = ItemParser.read(text, format, items::add);
    assertThat(count).isEqualTo(items.size());
    return items;
  }

  @Test
  void jsonLinesSkipBlankLinesAndKeepLineNumbers() {
    List<ItemParser.Item> items =
        read("{\"path\":\"a\"}\n\n  \n42\r\n\"text\"\n", ItemParser.Format.JSONL);
    assertThat(items).extracting(ItemParser.Item::line).containsExactly(1, 4, 5);
    assertThat(items).extracting(ItemParser.Item::index).containsExactly(0L, 1L, 2L);
    assertThat(items.get(1).value().asInt()).isEqualTo(42);
    assertThat(items.get(2).value().textValue()).isEqualTo("text");
  }

  @Test
  void plainLinesAreStrings() {
    List<ItemParser.Item> items = read("a b\r\n{\"not\": json}\n\nlast", ItemParser.Format.LINES);
    assertThat(items)
        .extracting(i -> i.value().textValue())
        .containsExactly("a b", "{\"not\": json}", "last");
  }

  @Test
  void oneJsonArray() {
    List<ItemParser.Item> items =
        read("[\n 1,\n {\"a\": [2]},\n \"x\"\n]\n", ItemParser.Format.JSON);
    assertThat(items).extracting(ItemParser.Item::line).containsExactly(2, 3, 4);
    assertThat(items.get(1).value().path("a").get(0).asInt()).isEqualTo(2);
  }

  @Test
  void anItemWithAnExponentOutOfRangeIsRefusedNamingItsLine() {
    assertThatThrownBy(() -> read("[1,\n 1e99999999999]", ItemParser.Format.JSON))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage(
            "--items: line 2: not valid JSON at line 2, column 2: number out of range: expected a"
                + " number whose exponent is within +-2147483647 but found 1e99999999999");
    assertThatThrownBy(() -> read("1\n-2e-99999999999", ItemParser.Format.JSONL))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageStartingWith("--items: line 2: not valid JSON at line 1, column 1: number out");
  }

  @Test
  void badItemsAreRefusedNamingTheirLine() {
    assertThatThrownBy(() -> read("1\n{\"a\":\n3", ItemParser.Format.JSONL))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageStartingWith("--items: line 2: not valid JSON");
    assertThatThrownBy(() -> read("{\"a\":1,\"a\":2}", ItemParser.Format.JSONL))
        .hasMessageContaining("line 1: ")
        .hasMessageContaining("the key 'a' is given twice");
    assertThatThrownBy(() -> read("9007199254740993", ItemParser.Format.JSONL))
        .hasMessageStartingWith("--items: line 1: item");
    assertThatThrownBy(() -> read("[1,\n2,\n{]", ItemParser.Format.JSON))
        .hasMessageStartingWith("--items: line 3: not valid JSON");
    assertThatThrownBy(() -> read("{\"a\":1}", ItemParser.Format.JSON))
        .hasMessageContaining("expected one JSON array of items");
    assertThatThrownBy(() -> read("[1] [2]", ItemParser.Format.JSON))
        .hasMessageContaining("expected nothing after the array");
  }

  @Test
  void numbersTakeTheFormTheyReadBackAs() {
    assertThat(read("1.50", ItemParser.Format.JSONL).get(0).value().toString()).isEqualTo("1.5");
  }
}
