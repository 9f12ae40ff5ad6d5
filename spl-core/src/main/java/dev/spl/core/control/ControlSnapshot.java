package dev.spl.core.control;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable copy of the control state, safe to read from any thread: what the permission check
 * on every write looks at while the reconciler keeps folding.
 *
 * @param freezes active freezes by namespace
 * @param frozenLevels namespace to {@code soft}/{@code hard}
 */
public record ControlSnapshot(
    Map<String, Freeze> freezes,
    Map<String, String> frozenLevels,
    EmergencyStop emergency,
    long version) {

  public static final ControlSnapshot EMPTY =
      new ControlSnapshot(Map.of(), Map.of(), EmergencyStop.NEVER_ISSUED, 0);

  public ControlSnapshot {
    freezes = Collections.unmodifiableMap(new LinkedHashMap<>(freezes));
    frozenLevels = Collections.unmodifiableMap(new LinkedHashMap<>(frozenLevels));
  }

  static ControlSnapshot of(List<Freeze> active, EmergencyStop emergency, long version) {
    Map<String, Freeze> freezes = new LinkedHashMap<>();
    Map<String, String> levels = new LinkedHashMap<>();
    for (Freeze freeze : active) {
      freezes.put(freeze.namespace(), freeze);
      levels.put(freeze.namespace(), freeze.level().wire());
    }
    return new ControlSnapshot(freezes, levels, emergency, version);
  }
}
