package dev.spl.cel;

import java.util.function.Supplier;

/**
 * A value made when first asked for, once: building a CEL compiler loads and links hundreds of
 * classes, which a daemon should not wait for before it serves. The first thread to ask makes it;
 * threads asking meanwhile wait for that one.
 */
public final class Once<T> {
  private final Supplier<T> make;
  private volatile T value;

  public Once(Supplier<T> make) {
    this.make = make;
  }

  public T get() {
    T current = value;
    if (current != null) {
      return current;
    }
    synchronized (this) {
      if (value == null) {
        value = make.get();
      }
      return value;
    }
  }
}
