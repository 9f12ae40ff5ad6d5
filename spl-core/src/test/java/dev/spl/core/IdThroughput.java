package dev.spl.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints how many record ids per second this machine computes, for records shaped like a fan-out
 * child's completion (strings, integers and two fractional numbers). Not a test: run its main.
 */
public final class IdThroughput {
  private IdThroughput() {}

  public static void main(String[] args) {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    List<Record> records = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ObjectNode body = Json.MAPPER.createObjectNode();
      body.put("topic", "fanout_child_done");
      body.put("fanout", "f".repeat(64));
      body.put("index", i);
      body.put("attempt", 1);
      body.put("verdict", "accept");
      body.put("summary", "echo: subtask " + i + " done");
      body.put("cost_usd", new java.math.BigDecimal("0.0125"));
      body.put("wall_time_secs", java.math.BigDecimal.valueOf(1.0 + i / 1000.0));
      body.put("finished_at", 1_760_000_000_000L + i);
      records.add(
          new Record(
              ThreadIds.derive("bench", Integer.toString(i)),
              "did:sync:instance:0123456789abcdef",
              Act.KNOW,
              body,
              i,
              List.of()));
    }
    // The best of several rounds: on a shared machine the slow rounds measure the neighbours.
    double best = 0;
    for (int round = 0; round < 10; round++) {
      long start = System.nanoTime();
      long checksum = 0;
      for (Record record : records) {
        checksum += record.id().charAt(0);
      }
      double perSecond = count / ((System.nanoTime() - start) / 1e9);
      best = Math.max(best, perSecond);
      System.out.printf("round %d: %.0f ids/s (checksum %d)%n", round, perSecond, checksum);
    }
    System.out.printf("best: %.0f ids/s%n", best);
  }
}
