package dev.spl.core;

/**
 * A record as a store holds it: the record, its id, the store's own append order and the time it
 * was received. {@code seq} and {@code receivedAtMillis} are not part of the id.
 */
public record StoredRecord(String id, Record record, long seq, long receivedAtMillis) {}
