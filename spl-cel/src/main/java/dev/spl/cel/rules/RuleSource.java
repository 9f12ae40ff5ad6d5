package dev.spl.cel.rules;

/** Where a permission rule comes from. */
public enum RuleSource {
  /** Shipped with spl: the freeze and emergency stop checks. */
  BUILT_IN("built-in"),
  /** The rules file in the daemon home. */
  FILE("file"),
  /** A {@code LEARN permission_rule} record on th_engine_config. */
  RECORD("record");

  private final String wire;

  RuleSource(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }
}
