package dev.spl.daemon.http;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** An error answered with the JSON error envelope; thrown by handlers, mapped in one place. */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final transient ObjectNode details;

  public ApiException(int status, String code, String message) {
    this(status, code, message, null);
  }

  /** {@code details} are extra fields of the error envelope, or null. */
  public ApiException(int status, String code, String message, ObjectNode details) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  ObjectNode details() {
    return details;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  static ApiException badRequest(String code, String message) {
    return new ApiException(400, code, message);
  }

  static ApiException notFound(String code, String message) {
    return new ApiException(404, code, message);
  }
}
