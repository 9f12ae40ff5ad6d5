package dev.spl.daemon.http;

/**
 * Tells Jetty how many object references fit in a cache line before its classes load. Without the
 * system property, Jetty's {@code MemoryUtils} asks the platform MBean server whether references
 * are compressed, and starting that server (JMX) costs a daemon tens of milliseconds of start-up.
 * The size of a reference is read here from the JVM's own array layout instead, which is the same
 * answer.
 */
final class JettyCacheLines {
  /** The system property Jetty's {@code MemoryUtils} reads. */
  static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

  /** As Jetty's {@code MemoryUtils}, which reads it from another property, 64 by default. */
  private static final String CACHE_LINE_BYTES = "org.eclipse.jetty.util.cacheLineBytes";

  private JettyCacheLines() {}

  /**
   * Sets the property unless it is set already (an operator's {@code -D} wins) or the reference
   * size cannot be read (then Jetty asks JMX, as it would anyway).
   */
  static void configure() {
    if (System.getProperty(REFERENCES_PER_CACHE_LINE) != null) {
      return;
    }
    int referenceBytes = referenceBytes();
    if (referenceBytes <= 0) {
      return;
    }
    System.setProperty(
        REFERENCES_PER_CACHE_LINE, Integer.toString(cacheLineBytes() / referenceBytes));
  }

  private static int cacheLineBytes() {
    try {
      return Integer.parseInt(System.getProperty(CACHE_LINE_BYTES, "64"));
    } catch (NumberFormatException e) {
      return 64;
    }
  }

  /**
   * The bytes of one reference in an object array: 4 with compressed references, 8 without; 0 when
   * the JVM does not say. Read reflectively: {@code sun.misc.Unsafe} is in the exported {@code
   * jdk.unsupported} module, and its constant needs no instance of it.
   */
  static int referenceBytes() {
    try {
      return Class.forName("sun.misc.Unsafe").getField("ARRAY_OBJECT_INDEX_SCALE").getInt(null);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return 0;
    }
  }
}
