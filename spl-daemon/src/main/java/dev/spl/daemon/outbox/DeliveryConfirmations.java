package dev.spl.daemon.outbox;

import dev.spl.core.StoredRecord;
import dev.spl.core.auth.DeliveryConfirmation;
import java.util.List;

/**
 * What the sending daemon confirms of the child INTENDs in a batch as it delivers them ({@link
 * DeliveryConfirmation}): a coordinator answers for their attempts as the attempt fence would; any
 * other daemon confirms nothing.
 */
@FunctionalInterface
public interface DeliveryConfirmations {
  DeliveryConfirmations NONE = batch -> null;

  /** The confirmation to send beside {@code batch}, or null for none. */
  DeliveryConfirmation confirm(List<StoredRecord> batch);
}
