package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Generated descriptors: the parser either refuses with {@link InvalidFanoutException} or gives a
 * descriptor within its bounds that reads back from its stored form as itself.
 */
class SubtaskParserProperties {
  @Provide
  Arbitrary<String> cliDescriptors() {
    Arbitrary<String> keys =
        Arbitraries.of("goal", "target", "budget", "timeout", "depends", "run", "colour", "");
    Arbitrary<String> values =
        Arbitraries.oneOf(
            Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(10),
            Arbitraries.of(
                "0.50",
                "-1",
                "1e18",
                "1e999999999",
                "1e-999999999",
                "300",
                "0+1",
                "worker-a",
                "\"a,b\"",
                "\"open",
                "2592001",
                "1000000.01",
                "specific:",
                "round-robin"));
    return Combinators.combine(keys, values)
        .as((key, value) -> key + "=" + value)
        .list()
        .ofMaxSize(6)
        .map(pairs -> String.join(",", pairs));
  }

  private static void assertWithinBoundsAndRoundTrips(int index, SubtaskSpec spec) {
    assertThat(spec.goal()).isNotBlank();
    if (spec.timeoutSecs() != null) {
      assertThat(spec.timeoutSecs()).isBetween(1L, SubtaskParser.MAX_TIMEOUT_SECS);
    }
    if (spec.budget() != null) {
      assertThat(spec.budget()).isBetween(java.math.BigDecimal.ZERO, SubtaskParser.MAX_BUDGET_USD);
    }
    SubtaskSpec stored =
        SubtaskParser.parseJson(
            index, Json.parse(Json.MAPPER.valueToTree(spec.toJson()).toString()));
    // A stored budget reads back without trailing zeros: compare amounts by value.
    assertThat(stored.budget() == null ? null : stored.budget().stripTrailingZeros())
        .isEqualTo(spec.budget() == null ? null : spec.budget().stripTrailingZeros());
    assertThat(
            new SubtaskSpec(
                stored.goal(),
                stored.target(),
                null,
                stored.timeoutSecs(),
                stored.depends(),
                stored.run(),
                null,
                null,
                null))
        .isEqualTo(
            new SubtaskSpec(
                spec.goal(),
                spec.target(),
                null,
                spec.timeoutSecs(),
                spec.depends(),
                spec.run(),
                null,
                null,
                null));
  }

  @Property(tries = 1000)
  void commandLineDescriptorsAreRefusedOrWithinBounds(@ForAll("cliDescriptors") String text) {
    SubtaskSpec spec;
    try {
      spec = SubtaskParser.parseCli(0, text);
    } catch (InvalidFanoutException refused) {
      return;
    }
    assertWithinBoundsAndRoundTrips(0, spec);
  }

  @Property(tries = 1000)
  void arbitraryCommandLineTextIsRefusedOrWithinBounds(@ForAll String text) {
    SubtaskSpec spec;
    try {
      spec = SubtaskParser.parseCli(0, text);
    } catch (InvalidFanoutException refused) {
      return;
    }
    assertWithinBoundsAndRoundTrips(0, spec);
  }

  @Property(tries = 1000)
  void arbitraryFileBytesAreRefusedOrWithinBounds(@ForAll byte[] bytes) {
    List<SubtaskSpec> specs;
    try {
      specs = SubtaskParser.parseJsonLines(bytes);
    } catch (InvalidFanoutException refused) {
      return;
    }
    for (int i = 0; i < specs.size(); i++) {
      assertWithinBoundsAndRoundTrips(i, specs.get(i));
    }
  }

  @Property(tries = 1000)
  void generatedJsonLinesAreRefusedOrWithinBounds(@ForAll("cliDescriptors") String cli) {
    StringBuilder line = new StringBuilder("{");
    for (String pair : cli.split(",")) {
      int equals = pair.indexOf('=');
      if (equals < 0) {
        continue;
      }
      if (line.length() > 1) {
        line.append(',');
      }
      String value = pair.substring(equals + 1);
      boolean number = value.matches("-?[0-9.eE+-]+");
      line.append('"').append(pair, 0, equals).append("\":");
      line.append(number ? value : Json.MAPPER.getNodeFactory().textNode(value).toString());
    }
    byte[] bytes = line.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
    List<SubtaskSpec> specs;
    try {
      specs = SubtaskParser.parseJsonLines(bytes);
    } catch (InvalidFanoutException refused) {
      return;
    }
    for (int i = 0; i < specs.size(); i++) {
      assertWithinBoundsAndRoundTrips(i, specs.get(i));
    }
  }
}
