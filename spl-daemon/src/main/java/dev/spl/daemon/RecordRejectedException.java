package dev.spl.daemon;

/**
 * A write refused before anything was stored: an invalid record or one the write gate refused.
 * {@code index} is the position of the offending record in the request, or -1 for a single record.
 */
public final class RecordRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final String code;
  private final int index;

  public RecordRejectedException(int httpStatus, String code, int index, String message) {
    super(message);
    this.httpStatus = httpStatus;
    this.code = code;
    this.index = index;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String code() {
    return code;
  }

  public int index() {
    return index;
  }
}
