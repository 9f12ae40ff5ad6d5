package dev.spl.core;

/**
 * A delivery still waiting for its acknowledgement. {@code key} identifies it for {@link
 * RecordStore#acknowledgeDeliveries}; keys grow in enqueue order and are never reused.
 */
public record PendingDelivery(long key, String destination, StoredRecord record) {}
