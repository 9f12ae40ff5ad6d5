package dev.spl.core.fanout;

/**
 * Which fan-out an action or record belongs to.
 *
 * @param id the fan-out parent INTEND's record id
 * @param thread the parent's thread (the task's), where fan-out records are appended
 * @param namespace the fan-out's namespace, copied into every record it causes
 */
public record FanoutRef(String id, String thread, String namespace) {}
