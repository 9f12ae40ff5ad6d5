package dev.spl.core;

/** The outcome of one append: the stored record and whether this append created it. */
public record AppendResult(StoredRecord stored, boolean created) {}
