package dev.spl.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;

/** The merge queue's lines of {@code join-status} and {@code results}. */
final class MergeText {
  private MergeText() {}

  /**
   * {@code Merge: MODE onto BRANCH at HEAD · N integrated}, then one line per child the queue did
   * not integrate, with its conflicting paths or the end of the check's output.
   */
  static void print(PrintStream out, JsonNode merge) {
    out.println(
        "  Merge:           "
            + merge.path("mode").asText()
            + " onto "
            + merge.path("branch").asText()
            + " at "
            + merge.path("head").asText()
            + " · integrated "
            + merge.path("integrated").asInt());
    for (JsonNode child : merge.path("children")) {
      String outcome = child.path("outcome").asText();
      if ("integrated".equals(outcome)) {
        continue;
      }
      StringBuilder line =
          new StringBuilder("                   [" + child.path("index").asInt() + "] " + outcome);
      if (child.has("paths")) {
        line.append(": ");
        for (int i = 0; i < child.get("paths").size(); i++) {
          line.append(i == 0 ? "" : ", ").append(child.get("paths").get(i).asText());
        }
      }
      out.println(line);
      if (child.has("tail")) {
        for (String tail : child.get("tail").asText().split("\n", -1)) {
          out.println("                       | " + tail);
        }
      }
    }
  }
}
