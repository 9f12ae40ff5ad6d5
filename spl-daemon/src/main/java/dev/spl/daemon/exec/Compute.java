package dev.spl.daemon.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.spl.core.CanonicalJson;
import dev.spl.core.Hex;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The work of an echo child in compute mode, over its slice: the sum of its range points, the sum
 * of its items when they are all numbers, otherwise a SHA-256 over their canonical JSON, one item a
 * line. Sums are exact; one whose magnitude is above 2^53 (which a record cannot hold as a number)
 * is reported as a decimal string.
 */
final class Compute {
  private Compute() {}

  /** What was computed, and how the summary says it. */
  record Result(JsonNode value, String description) {}

  static Result of(ChildJob.Shard shard) {
    if (shard.items() != null) {
      return ofItems(shard);
    }
    return ofPoints(shard.iterFrom(), shard.iterTo());
  }

  /** Adds the points one by one: the point of compute mode is to do work per point. */
  static Result ofPoints(long from, long to) {
    long sum = 0;
    BigInteger overflow = null;
    for (long point = from; point < to; point++) {
      long next = sum + point;
      if (((sum ^ next) & (point ^ next)) < 0) {
        overflow = (overflow == null ? BigInteger.ZERO : overflow).add(BigInteger.valueOf(sum));
        next = point;
      }
      sum = next;
    }
    BigInteger total =
        overflow == null ? BigInteger.valueOf(sum) : overflow.add(BigInteger.valueOf(sum));
    long count = to - from;
    return new Result(
        integer(total),
        "sum of "
            + count
            + (count == 1 ? " point " : " points ")
            + from
            + ".."
            + (to - 1)
            + " = "
            + total);
  }

  private static Result ofItems(ChildJob.Shard shard) {
    int count = shard.items().size();
    boolean numbers = count > 0;
    for (JsonNode item : shard.items()) {
      numbers &= item.isNumber();
    }
    if (numbers) {
      BigDecimal sum = BigDecimal.ZERO;
      for (JsonNode item : shard.items()) {
        sum = sum.add(CanonicalJson.decimal(item));
      }
      JsonNode value;
      try {
        value = integer(sum.toBigIntegerExact());
      } catch (ArithmeticException fraction) {
        value =
            sum.abs().compareTo(BigDecimal.valueOf(CanonicalJson.MAX_EXACT_INTEGER)) <= 0
                ? DecimalNode.valueOf(sum)
                : TextNode.valueOf(sum.toString());
      }
      return new Result(value, "sum of " + count + (count == 1 ? " item" : " items") + " = " + sum);
    }
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (JsonNode item : shard.items()) {
      digest.update(CanonicalJson.bytes(item));
      digest.update((byte) '\n');
    }
    String hash = "sha256:" + Hex.format(digest.digest());
    return new Result(
        TextNode.valueOf(hash),
        "hash of " + count + (count == 1 ? " item" : " items") + " = " + hash);
  }

  private static JsonNode integer(BigInteger value) {
    if (value.abs().compareTo(BigInteger.valueOf(CanonicalJson.MAX_EXACT_INTEGER)) <= 0) {
      return LongNode.valueOf(value.longValueExact());
    }
    return TextNode.valueOf(value.toString());
  }
}
