package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import java.util.Collection;

/** How many instances are in each status. */
public record FleetCounts(int live, int stale, int archived) {

  public static FleetCounts of(Collection<InstanceView> instances) {
    int live = 0;
    int stale = 0;
    int archived = 0;
    for (InstanceView view : instances) {
      switch (view.status()) {
        case LIVE -> live++;
        case STALE -> stale++;
        case ARCHIVED -> archived++;
      }
    }
    return new FleetCounts(live, stale, archived);
  }

  /** The summary line of {@code spl fleet list}: {@code 3 live · 0 stale · 0 archived}. */
  public String summary() {
    return live + " live · " + stale + " stale · " + archived + " archived";
  }

  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("live", live);
    node.put("stale", stale);
    node.put("archived", archived);
    return node;
  }
}
