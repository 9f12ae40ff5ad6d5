package dev.spl.core;

/**
 * An append refused because a record's {@link UniqueClaim} cannot be taken: its key is held by
 * another record (or, for a replacing claim, not by the record it names). Nothing of the call was
 * stored.
 */
public final class UniqueKeyConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int index;
  private final transient UniqueClaim claim;
  private final String holder;

  /**
   * @param index the position of the refused record in the call
   * @param holder the id of the record holding the key, or null when nobody holds it
   */
  public UniqueKeyConflictException(int index, UniqueClaim claim, String holder) {
    super(message(claim, holder));
    this.index = index;
    this.claim = claim;
    this.holder = holder;
  }

  private static String message(UniqueClaim claim, String holder) {
    String what;
    if (claim.replaces() == null) {
      what = claim.description() + " is already held by record " + holder;
    } else if (holder == null) {
      what =
          "the record replaces "
              + claim.replaces()
              + " as "
              + claim.description()
              + ", but no record holds it";
    } else {
      what =
          "the record replaces "
              + claim.replaces()
              + " as "
              + claim.description()
              + ", but record "
              + holder
              + " holds it";
    }
    return what + "; " + claim.remedy();
  }

  /** The position of the refused record in the call that appended it. */
  public int index() {
    return index;
  }

  public UniqueClaim claim() {
    return claim;
  }

  /** The id of the record holding the key, or null when none does. */
  public String holder() {
    return holder;
  }
}
