package dev.spl.core;

/** A record, or a request to write one, that breaks the record contract. Nothing is stored. */
public final class InvalidRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidRecordException(String message) {
    super(message);
  }
}
