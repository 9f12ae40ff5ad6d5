package dev.spl.core.auth;

import dev.spl.core.Hex;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What signing costs: Ed25519 sign and verify of one envelope (JDK provider) for requests of 1, 100
 * and 2,000 records, and per record as sent (the envelope's cost divided by its records). Prints
 * medians of rounds after a warm-up. Usage: scripts/bench-signing [rounds (default 400)]
 */
public final class EnvelopeBench {
  private EnvelopeBench() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    InstanceKey key = InstanceKey.generate();
    System.out.printf(
        "%-10s %12s %12s %16s %16s%n",
        "records", "sign ms", "verify ms", "sign us/record", "verify us/record");
    for (int size : new int[] {1, 100, 2000}) {
      List<String> ids = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        ids.add(Hex.sha256(("record " + i).getBytes(StandardCharsets.UTF_8)));
      }
      for (int i = 0; i < rounds; i++) {
        key.sign(ids).isSignedBy(key.publicKey());
      }
      long[] sign = new long[rounds];
      long[] verify = new long[rounds];
      for (int i = 0; i < rounds; i++) {
        long start = System.nanoTime();
        Envelope envelope = key.sign(ids);
        long signed = System.nanoTime();
        if (!envelope.isSignedBy(key.publicKey())) {
          throw new AssertionError("an envelope did not verify");
        }
        verify[i] = System.nanoTime() - signed;
        sign[i] = signed - start;
      }
      double signMs = median(sign) / 1e6;
      double verifyMs = median(verify) / 1e6;
      System.out.printf(
          "%-10d %12.3f %12.3f %16.2f %16.2f%n",
          size, signMs, verifyMs, signMs * 1000 / size, verifyMs * 1000 / size);
    }
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
