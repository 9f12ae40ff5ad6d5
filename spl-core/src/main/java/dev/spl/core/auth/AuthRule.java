package dev.spl.core.auth;

/**
 * Why a daemon refused a record it received: the error code of the {@code 403} answer and the key
 * of the refusal counts. The rules themselves are {@link Authorizer}'s; the envelope rules are
 * checked before it, when the signature is verified.
 */
public enum AuthRule {
  /** The envelope lists other ids than the records sent (a record changed after signing). */
  ENVELOPE_MISMATCH,
  /** The signature does not verify with the signer's key. */
  BAD_SIGNATURE,
  /** The signer is no daemon this one knows a key for. */
  UNKNOWN_SIGNER,
  /** A known daemon presented a different key than the one it registered with. */
  KEY_CHANGED,
  /** A record whose actor is a daemon that did not sign it. */
  ACTOR_NOT_SIGNER,
  /** A heartbeat not signed by the instance it describes. */
  HEARTBEAT_NOT_FROM_ITS_INSTANCE,
  /** A heartbeat whose {@code sent_at} or {@code started_at} is ahead of the receiver's clock. */
  HEARTBEAT_FROM_THE_FUTURE,
  /** A child INTEND or cancel on a worker that does not know its coordinator yet. */
  COORDINATOR_UNKNOWN,
  /** A child INTEND or cancel not signed by this worker's coordinator. */
  NOT_THIS_WORKERS_COORDINATOR,
  /** A child INTEND whose {@code worker} is another worker. */
  NOT_ADDRESSED_TO_THIS_WORKER,
  /** A child's result not signed by the worker its attempt was spawned on, for its thread. */
  NOT_SPAWNED_ON_SIGNER,
  /** A record that only the receiving daemon writes (the coordinator's decisions, own results). */
  WRITTEN_BY_RECEIVER_ONLY,
  /** A control or rule record signed by a daemon other than the coordinator. */
  NOT_OPERATOR,
  /** A new instance registering under the alias of another instance that is live. */
  ALIAS_HELD_BY_LIVE_INSTANCE,
  /**
   * A child credential that does not parse, does not verify with its worker's key, or names an
   * attempt this coordinator never spawned on that worker.
   */
  CHILD_CREDENTIAL_INVALID,
  /** A child credential of an attempt that has ended or was superseded. */
  CHILD_CREDENTIAL_NOT_CURRENT,
  /** A request or record a child credential does not cover (only its own nested fan-out). */
  CHILD_CREDENTIAL_OUT_OF_SCOPE,
  /** A fan-out nested deeper than the coordinator allows. */
  FANOUT_TOO_DEEP
}
