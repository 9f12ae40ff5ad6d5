package dev.spl.cli.control;

import dev.spl.cli.CliException;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.fleet.FleetView;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlState;
import java.util.Optional;

/**
 * What {@code spl kill} and {@code spl unkill} do after their write: read the daemon's control
 * thread back, fold it in the daemon's log order as the daemon does, and fail loudly (exit 3) when
 * the record just written is not the one in force, or the state is not the one it asked for. A
 * stored record that does not take effect (a daemon that orders by another rule, a later record
 * from someone else) must never print a check mark.
 */
final class ControlReadBack {
  private ControlReadBack() {}

  /** Checks that {@code written} is the event in force for {@code namespace}, frozen or not. */
  static void requireNamespace(RecordsApi api, Record written, String namespace, boolean frozen) {
    ControlState state = FleetView.control(api.thread(ThreadIds.FLEET_CONTROL));
    Optional<String> inForce = state.eventOf(namespace);
    boolean isFrozen = state.isFrozen(namespace);
    if (inForce.filter(written.id()::equals).isPresent() && isFrozen == frozen) {
      return;
    }
    throw CliException.unavailable(
        (frozen ? "the freeze" : "the unfreeze")
            + " of '"
            + namespace
            + "' was sent (record "
            + written.id()
            + ") but reading the control state back shows namespace '"
            + namespace
            + "' "
            + (isFrozen ? "frozen" : "not frozen")
            + (inForce.isPresent()
                ? " by record " + inForce.get()
                : " with no freeze or unfreeze in force")
            + "; run 'spl records list --thread th_fleet_control' to see the control records");
  }

  /** Checks that {@code written} is the emergency stop (or release) in force. */
  static void requireEmergency(RecordsApi api, Record written, boolean active) {
    ControlState state = FleetView.control(api.thread(ThreadIds.FLEET_CONTROL));
    Optional<String> inForce = state.emergencyEvent();
    boolean isActive = state.emergency().active();
    if (inForce.filter(written.id()::equals).isPresent() && isActive == active) {
      return;
    }
    throw CliException.unavailable(
        (active ? "the emergency stop" : "the release of the emergency stop")
            + " was sent (record "
            + written.id()
            + ") but reading the control state back shows the emergency stop "
            + (isActive ? "active" : "not active")
            + (inForce.isPresent() ? " by record " + inForce.get() : "")
            + "; run 'spl records list --thread th_fleet_control' to see the control records");
  }
}
