package dev.spl.core.fanout;

/** Which subtasks a fleet-wide routing rule applies to: a compiled CEL condition over one. */
public interface SubtaskMatch {
  /** The condition as written. */
  String text();

  /** Whether it holds for subtask {@code index} of a fan-out in {@code namespace}. */
  boolean matches(String namespace, int index, SubtaskSpec subtask);

  /** Every subtask: a rule without {@code match}. */
  SubtaskMatch EVERY =
      new SubtaskMatch() {
        @Override
        public String text() {
          return "true";
        }

        @Override
        public boolean matches(String namespace, int index, SubtaskSpec subtask) {
          return true;
        }
      };
}
