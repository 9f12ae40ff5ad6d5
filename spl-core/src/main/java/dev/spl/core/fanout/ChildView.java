package dev.spl.core.fanout;

import java.math.BigDecimal;

/**
 * One child as join predicates and reports see it.
 *
 * @param verdict the verdict's wire name, or {@code pending} (not spawned) or {@code running}
 *     (spawned, no verdict yet)
 * @param worker the DID of the worker of its current attempt, or empty when not spawned
 */
public record ChildView(
    int index,
    String thread,
    String worker,
    String verdict,
    BigDecimal costUsd,
    double wallTimeSecs,
    String summary) {}
