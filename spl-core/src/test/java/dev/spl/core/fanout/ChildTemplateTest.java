package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.spl.core.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildTemplateTest {
  @TempDir Path dir;

  private static JsonNode json(String text) {
    return Json.parse(text);
  }

  @Test
  void fillsEveryPlaceholderAndQuotesRunValuesAsShellWords() {
    ChildTemplate template =
        ChildTemplate.parseCli(
            "goal=\"Resize {{item.path}} ({{index}} of {{n}}, shard {{shard}})\","
                + "run=./resize.sh {{item.path}} {{index}},target=round-robin,timeout=60");
    ChildTemplate.Expanded child =
        template.expand(json("{\"path\":\"a b's.jpg\",\"size\":3}"), 4, 4, 10);
    assertThat(child.goal()).isEqualTo("Resize a b's.jpg (4 of 10, shard 4)");
    assertThat(child.run()).isEqualTo("./resize.sh 'a b'\\''s.jpg' '4'");
    assertThat(template.timeoutSecs()).isEqualTo(60);
    assertThat(template.target()).isEqualTo("round-robin");
  }

  @Test
  void anItemThatIsNotAStringIsItsCanonicalJsonAndArraysAreIndexed() {
    ChildTemplate template = ChildTemplate.parseCli("goal={{item}} / {{item.tags.1}} / {{item.n}}");
    assertThat(template.expand(json("{\"tags\":[\"x\",\"y\"],\"n\":1.50}"), 0, 0, 1).goal())
        .isEqualTo("{\"n\":1.5,\"tags\":[\"x\",\"y\"]} / y / 1.5");
    assertThat(
            ChildTemplate.parseCli("goal=point {{item}}")
                .expand(LongNode.valueOf(7), 0, 0, 1)
                .goal())
        .isEqualTo("point 7");
  }

  @Test
  void fourBracesAreALiteralPairOfBraces() {
    ChildTemplate template = ChildTemplate.parseCli("goal={{{{item}} is {{item}}");
    assertThat(template.expand(json("\"x\""), 0, 0, 1).goal()).isEqualTo("{{item}} is x");
  }

  @Test
  void aMissingFieldIsNamed() {
    ChildTemplate template = ChildTemplate.parseCli("goal=Resize {{item.path}}");
    assertThatThrownBy(() -> template.expand(json("{\"name\":\"a\"}"), 0, 0, 1))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageContaining("{{item.path}}: the item has no field 'path'");
    assertThatThrownBy(() -> template.expand(json("\"a\""), 0, 0, 1))
        .hasMessageContaining("item is a string, which has no field 'path'");
    assertThatThrownBy(() -> template.expand(json("{\"path\":null}"), 0, 0, 1))
        .hasMessageContaining("item.path is null");
  }

  @Test
  void unknownAndUnclosedPlaceholdersAreRefused() {
    assertThatThrownBy(() -> ChildTemplate.parseCli("goal=do {{itme}}"))
        .hasMessage(
            "--template: goal: unknown placeholder {{itme}} at column 4 (known: {{item}},"
                + " {{item.<path>}}, {{index}}, {{shard}}, {{n}}; write {{{{ for a literal {{)");
    assertThatThrownBy(() -> ChildTemplate.parseCli("goal=do {{item"))
        .hasMessageContaining("has no closing }}");
    assertThatThrownBy(() -> ChildTemplate.parseCli("goal=x,target={{item.w}}"))
        .hasMessageContaining("target: placeholders are allowed in goal and run only");
    assertThatThrownBy(() -> ChildTemplate.parseCli("goal=x,depends=0"))
        .hasMessageContaining("unknown key 'depends'");
    assertThatThrownBy(() -> ChildTemplate.parseCli("run=x"))
        .hasMessageContaining("goal: required but missing");
  }

  @Test
  void placeholdersWhereAQuotedWordWouldNotStayDataAreRefused() {
    for (String run :
        List.of(
            "echo \"{{item}}\"",
            "echo '{{item}}'",
            "echo `cat {{item}}`",
            "echo ${X:-{{item}}}",
            "echo $(( {{index}} + 1 ))",
            "echo \\{{item}}",
            "echo ${{item}}",
            "cat <<EOF\n{{item}}\nEOF")) {
      assertThatThrownBy(() -> ChildTemplate.parseCli("goal=g,run=\"" + escape(run) + "\""))
          .as(run)
          .isInstanceOf(InvalidFanoutException.class)
          .hasMessageStartingWith("--template: run:");
    }
    // Bare, concatenated, inside $(...) and after quotes that closed: all one word of data.
    ChildTemplate fine =
        ChildTemplate.parseCli(
            "goal=g,run=\"f --name={{item}} $(basename {{item}}) 'x' {{item}}\"");
    assertThat(fine.expand(json("\"v\""), 0, 0, 1).run())
        .isEqualTo("f --name='v' $(basename 'v') 'x' 'v'");
  }

  private static String escape(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  @Test
  void aNulCharacterCannotReachACommand() {
    ChildTemplate template = ChildTemplate.parseCli("goal=g,run=echo {{item}}");
    assertThatThrownBy(() -> template.expand(json("\"a\\u0000b\""), 0, 0, 1))
        .hasMessageContaining("NUL character");
  }

  /**
   * The shell itself sees hostile items as data: each command would create the marker file if the
   * item were run as code.
   */
  @Test
  void hostileItemsReachTheShellAsData() throws IOException, InterruptedException {
    Path marker = dir.resolve("marker");
    String m = marker.toString();
    List<String> hostile =
        List.of(
            "$(touch " + m + ")",
            "`touch " + m + "`",
            "'; touch " + m + "; '",
            "\"; touch " + m + "; \"",
            "x\ntouch " + m,
            "; touch " + m,
            "| touch " + m,
            "&& touch " + m,
            "$((1))$(touch " + m + ")",
            "\\'; touch " + m + " #");
    ChildTemplate template =
        ChildTemplate.parseCli("goal=g,run=printf '%s|' {{item}} > " + dir.resolve("out"));
    for (String item : hostile) {
      String run = template.expand(Json.MAPPER.getNodeFactory().textNode(item), 0, 0, 1).run();
      Process shell = new ProcessBuilder("/bin/sh", "-c", run).redirectErrorStream(true).start();
      assertThat(shell.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(shell.exitValue()).as(run).isZero();
      assertThat(marker).as("marker after " + run).doesNotExist();
      assertThat(Files.readString(dir.resolve("out"))).isEqualTo(item + "|");
    }
  }

  @Test
  void theStoredFormReadsBackTheSame() {
    ChildTemplate template =
        ChildTemplate.parseCli("goal=g {{item}},run=echo {{item}},budget=0.5,timeout=9");
    ChildTemplate read =
        ChildTemplate.fromJson(
            WireReader.body(
                    (com.fasterxml.jackson.databind.node.ObjectNode)
                        json("{\"topic\":\"t\",\"template\":" + template.toJson() + "}"),
                    "t")
                .object("template"));
    assertThat(read).isEqualTo(template);
  }

  @Test
  void theExecutorIsStoredAndMayHoldNoPlaceholder() {
    ChildTemplate template = ChildTemplate.parseCli("goal=leaf {{shard}},executor=echo");
    assertThat(template.executor()).isEqualTo(SubtaskSpec.ECHO);
    assertThat(template.toJson().path("executor").asText()).isEqualTo("echo");
    ChildTemplate read =
        ChildTemplate.fromJson(
            WireReader.body(
                    (com.fasterxml.jackson.databind.node.ObjectNode)
                        json("{\"topic\":\"t\",\"template\":" + template.toJson() + "}"),
                    "t")
                .object("template"));
    assertThat(read).isEqualTo(template);
    assertThat(read).isNotEqualTo(ChildTemplate.parseCli("goal=leaf {{shard}}"));
    assertThatThrownBy(() -> ChildTemplate.parseCli("goal=g,executor=shell"))
        .hasMessageContaining("--template: executor: expected echo")
        .hasMessageContaining("found 'shell'");
  }
}
