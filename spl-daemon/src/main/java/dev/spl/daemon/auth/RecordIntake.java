package dev.spl.daemon.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.HashedRecord;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.StoredEnvelope;
import dev.spl.core.auth.AuthRule;
import dev.spl.core.auth.Authorizer;
import dev.spl.core.auth.Authorizer.Writer;
import dev.spl.core.auth.ChildCredential;
import dev.spl.core.auth.DeliveryConfirmation;
import dev.spl.core.auth.Ed25519;
import dev.spl.core.auth.Envelope;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.daemon.records.RecordRejectedException;
import dev.spl.daemon.records.RecordService;
import java.security.PublicKey;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The check of every request of records a daemon receives over HTTP, before anything is stored or
 * acted on: the envelope (if any) must list the ids of the records sent and verify with the key of
 * its signer; then every record must pass the {@link Authorizer}. A refusal is {@code 403} with the
 * rule as its code, and counted.
 */
public final class RecordIntake {
  /** A heartbeat's own key, which a worker sends so its coordinator can register it. */
  public static final String PUBLIC_KEY_FIELD = "public_key";

  private final Trust trust;
  private final Authorizer.View view;

  /**
   * @param maxFanoutDepth the deepest nested fan-out a coordinator takes (its {@code
   *     max_fanout_depth})
   */
  public RecordIntake(
      Trust trust, boolean coordinator, RecordService records, Clock clock, int maxFanoutDepth) {
    this.trust = trust;
    this.view = new ReceiverView(trust, coordinator, records, clock, maxFanoutDepth);
  }

  public Trust trust() {
    return trust;
  }

  /**
   * Who wrote a request that passed, the envelope to keep beside its records (null: unsigned), and
   * the key a heartbeat registers (null unless this is a first registration).
   */
  public record Accepted(Writer writer, StoredEnvelope envelope, PublicKey registers) {}

  /**
   * The child INTENDs of an accepted request that its {@code confirmation} lets this worker start
   * without asking the attempt fence: none on a coordinator or for an unsigned request; else those
   * that {@link DeliveryConfirmation#honouredBy} lets through for the request's signer, whose
   * INTENDs the {@link dev.spl.core.auth.Authorizer} took only as this worker's coordinator's.
   */
  public Set<String> confirmedIntents(
      DeliveryConfirmation confirmation, Accepted accepted, List<HashedRecord> hashed) {
    if (view.isCoordinator() || !(accepted.writer() instanceof Writer.Daemon signer)) {
      return Set.of();
    }
    Set<String> sent = new HashSet<>();
    for (HashedRecord record : hashed) {
      if (record.record().act() == Act.INTEND
          && FanoutRecords.CHILD.equals(record.record().topic())) {
        sent.add(record.id());
      }
    }
    if (sent.isEmpty()) {
      return Set.of();
    }
    return confirmation.honouredBy(
        view.self(), signer.did(), trust.keyOf(signer.did()).orElse(null), sent);
  }

  /**
   * Checks {@code records} received with {@code envelope} (null when the request was not signed).
   * Throws {@link RecordRejectedException} (403, the rule as code) naming the record.
   */
  public Accepted check(List<Record> records, Envelope envelope, boolean single) {
    return check(records, envelope, single, Writer.OPERATOR);
  }

  /** Whether a child's attempt is running now, as the coordinator's fan-out fold has it. */
  @FunctionalInterface
  public interface AttemptRunning {
    boolean running(String fanout, int index, int attempt, String worker);
  }

  /**
   * The writer a child credential ({@link ChildCredential}, as text) makes: its signature must
   * verify with the key its worker registered, this coordinator must have spawned that attempt on
   * that worker, and the attempt must be running now. Throws {@link RecordRejectedException} (403,
   * the rule as code) otherwise, never showing the credential.
   */
  public Writer.Child verifyChild(String text, AttemptRunning running) {
    ChildCredential credential;
    try {
      credential = ChildCredential.parse(text);
    } catch (IllegalArgumentException e) {
      throw refuse(
          AuthRule.CHILD_CREDENTIAL_INVALID, -1, ChildCredential.HEADER + ": " + e.getMessage());
    }
    if (!view.isCoordinator()) {
      throw refuse(
          AuthRule.CHILD_CREDENTIAL_INVALID,
          -1,
          "a child credential is taken by the child's coordinator only, and this daemon is not one");
    }
    Optional<PublicKey> key = trust.keyOf(credential.worker());
    if (key.isEmpty() || !credential.isSignedBy(key.get())) {
      throw refuse(
          AuthRule.CHILD_CREDENTIAL_INVALID,
          -1,
          ChildCredential.HEADER
              + ": "
              + credential.describe()
              + " does not verify with the key "
              + credential.worker()
              + (key.isEmpty() ? " would have registered (it never did)" : " registered")
              + "; it was altered or made up");
    }
    Optional<ChildIntent> intent =
        view.childAttempt(credential.childThread(), credential.attempt());
    if (intent.isEmpty() || !intent.get().worker().equals(credential.worker())) {
      throw refuse(
          AuthRule.CHILD_CREDENTIAL_INVALID,
          -1,
          ChildCredential.HEADER
              + ": "
              + credential.describe()
              + " names an attempt this coordinator never spawned on that worker");
    }
    ChildIntent spawned = intent.get();
    if (!running.running(spawned.fanout(), spawned.index(), spawned.attempt(), spawned.worker())) {
      throw refuse(
          AuthRule.CHILD_CREDENTIAL_NOT_CURRENT,
          -1,
          ChildCredential.HEADER
              + ": "
              + credential.describe()
              + " counts only while that attempt runs, but it has ended or was superseded");
    }
    return new Writer.Child(credential, spawned.namespace());
  }

  /** Refuses a request of a child that is not covered by its credential. */
  public RecordRejectedException outOfScope(String message) {
    return refuse(AuthRule.CHILD_CREDENTIAL_OUT_OF_SCOPE, -1, message);
  }

  /**
   * As {@link #check(List, Envelope, boolean)}, for a request of {@code unsigned} when unsigned.
   */
  public Accepted check(List<Record> records, Envelope envelope, boolean single, Writer unsigned) {
    return checkHashed(records.stream().map(HashedRecord::of).toList(), envelope, single, unsigned);
  }

  /** As {@link #check(List, Envelope, boolean, Writer)}, for records hashed when parsed. */
  public Accepted checkHashed(
      List<HashedRecord> hashed, Envelope envelope, boolean single, Writer unsigned) {
    List<Record> records = new java.util.ArrayList<>(hashed.size());
    for (HashedRecord record : hashed) {
      records.add(record.record());
    }
    Writer writer = unsigned;
    if (envelope != null && unsigned instanceof Writer.Child) {
      throw outOfScope("a request with a child credential is never signed: send its records alone");
    }
    StoredEnvelope stored = null;
    PublicKey registers = null;
    if (envelope != null) {
      List<String> ids = hashed.stream().map(HashedRecord::id).toList();
      if (!ids.equals(envelope.ids())) {
        throw refuse(
            AuthRule.ENVELOPE_MISMATCH,
            -1,
            "signature.ids: expected the ids of the "
                + ids.size()
                + " record(s) sent, in order, but the envelope lists "
                + envelope.ids().size()
                + (envelope.ids().size() == ids.size() ? " other one(s)" : "")
                + "; a record changed after it was signed, or the envelope belongs to another"
                + " request");
      }
      String signer = envelope.signer();
      Optional<PublicKey> known = trust.keyOf(signer);
      Optional<PublicKey> presented = presentedKey(records, signer);
      PublicKey verifyWith;
      if (known.isPresent()) {
        if (presented.isPresent() && !presented.get().equals(known.get())) {
          throw refuse(
              AuthRule.KEY_CHANGED,
              -1,
              signer
                  + " registered with key "
                  + Ed25519.publicKeyText(known.get())
                  + " but now presents "
                  + Ed25519.publicKeyText(presented.get())
                  + "; a daemon's key never changes by itself. If its home was recreated on"
                  + " purpose, an operator re-admits it with: spl fleet forget "
                  + signer);
        }
        verifyWith = known.get();
      } else if (presented.isPresent()) {
        verifyWith = presented.get();
        registers = verifyWith;
      } else {
        throw refuse(
            AuthRule.UNKNOWN_SIGNER,
            -1,
            "signature.signer: "
                + signer
                + " is no daemon this one knows a key for (a worker registers its key with its"
                + " first heartbeat; a worker learns its coordinator's from the answer)");
      }
      if (!envelope.isSignedBy(verifyWith)) {
        throw refuse(
            AuthRule.BAD_SIGNATURE, -1, "signature.sig: does not verify with the key of " + signer);
      }
      writer = Writer.daemon(signer);
      byte[] json = envelope.canonicalBytes();
      stored = new StoredEnvelope(envelope.hash(), json);
    }
    for (int i = 0; i < records.size(); i++) {
      Optional<Authorizer.Refusal> refusal = Authorizer.check(records.get(i), writer, view);
      if (refusal.isPresent()) {
        throw refuse(refusal.get().rule(), single ? -1 : i, refusal.get().message());
      }
    }
    return new Accepted(writer, stored, registers);
  }

  /** The key a lone heartbeat of {@code signer} carries in its body, if any. */
  private static Optional<PublicKey> presentedKey(List<Record> records, String signer) {
    if (records.size() != 1) {
      return Optional.empty();
    }
    Record record = records.get(0);
    if (!Heartbeat.TOPIC.equals(record.topic()) || !signer.equals(record.actor())) {
      return Optional.empty();
    }
    String text = record.body().path(PUBLIC_KEY_FIELD).asText(null);
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Ed25519.parsePublicKey(text));
    } catch (IllegalArgumentException e) {
      throw new RecordRejectedException(
          400, "INVALID_RECORD", -1, "body.public_key: " + e.getMessage());
    }
  }

  private RecordRejectedException refuse(AuthRule rule, int index, String message) {
    trust.refusals().count(rule);
    ObjectNode details = Json.MAPPER.createObjectNode();
    details.put("rule", rule.name());
    String where = index < 0 ? "" : "records[" + index + "]: ";
    return new RecordRejectedException(403, rule.name(), index, where + message, details);
  }
}
