package dev.spl.daemon.records;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A write refused before anything was stored: an invalid record or one the write gate refused.
 * {@code index} is the position of the offending record in the request, or -1 for a single record.
 */
public final class RecordRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final String code;
  private final int index;
  private final transient ObjectNode details;

  public RecordRejectedException(int httpStatus, String code, int index, String message) {
    this(httpStatus, code, index, message, null);
  }

  /** {@code details} are extra fields for the error envelope (e.g. namespace, reason), or null. */
  public RecordRejectedException(
      int httpStatus, String code, int index, String message, ObjectNode details) {
    super(message);
    this.httpStatus = httpStatus;
    this.code = code;
    this.index = index;
    this.details = details == null ? null : details.deepCopy();
  }

  /** Extra fields of the error envelope, or null. */
  public ObjectNode details() {
    return details == null ? null : details.deepCopy();
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
