package dev.spl.core.fanout;

/**
 * A read-only window on a fan-out's children, in index order. Views are built on access, so a
 * predicate that never looks at the children costs nothing per child.
 */
public interface ChildrenView {
  int size();

  ChildView get(int index);
}
