package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorktreesTest {
  private static final String BASE = "0123456789abcdef0123456789abcdef01234567";
  private static final String THREAD = "th_" + "ab".repeat(32);

  @Test
  void eachAttemptOfEachChildGetsABranchOfItsOwnUnderTheTaskAlias() {
    Worktrees.Spec spec = new Worktrees.Spec(BASE, "DOCS-1", true, false);

    assertThat(spec.childBranch(0, 1)).isEqualTo("spl/DOCS-1/0-1");
    assertThat(spec.childBranch(3, 2)).isEqualTo("spl/DOCS-1/3-2");
    assertThat(spec.child(3, 2)).isEqualTo(new Worktrees.Child(BASE, "spl/DOCS-1/3-2", true, null));
  }

  @Test
  void anAliasABranchCannotHoldIsReplacedByTheThread() {
    assertThat(Worktrees.branchAlias("DOCS-1", THREAD)).isEqualTo("DOCS-1");
    assertThat(Worktrees.branchAlias(null, THREAD)).isEqualTo("th-abababababababab");
    assertThat(Worktrees.branchAlias("a b", THREAD)).isEqualTo("th-abababababababab");
    assertThat(Worktrees.branchAlias("x..y", THREAD)).isEqualTo("th-abababababababab");
    assertThat(Worktrees.branchAlias("x.lock", THREAD)).isEqualTo("th-abababababababab");
  }

  @Test
  void aBaseMustBeAFullCommitId() {
    assertThatThrownBy(() -> new Worktrees.Spec("HEAD", "A", false, false))
        .hasMessage(
            "base: expected a full commit id (40 or 64 lowercase hex digits) but found 'HEAD'");
  }

  @Test
  void theParentAndTheChildCarryTheSectionThroughTheirBodies() {
    Worktrees.Spec spec = new Worktrees.Spec(BASE, "DOCS-1", false, true);
    FanoutParent parent =
        new FanoutParent(
            "docs",
            "all",
            1,
            List.of("a".repeat(64)),
            3,
            null,
            7,
            null,
            FanoutOptions.DEFAULTS,
            null,
            spec);

    FanoutParent read = FanoutParent.fromBody(parent.toBody());

    assertThat(read.worktree()).isEqualTo(spec);
    ChildIntent intent =
        new ChildIntent(
                "docs",
                "f".repeat(64),
                THREAD,
                null,
                "did:w",
                0,
                2,
                "g",
                null,
                null,
                "true",
                List.of(),
                null)
            .withWorktree(spec.child(0, 2));
    assertThat(ChildIntent.fromBody(intent.toBody()).worktree())
        .isEqualTo(new Worktrees.Child(BASE, "spl/DOCS-1/0-2", false, null));
  }

  @Test
  void aMalformedSectionNamesTheField() {
    ObjectNode body =
        new FanoutParent(
                "docs",
                "all",
                1,
                List.of("a".repeat(64)),
                3,
                null,
                7,
                null,
                FanoutOptions.DEFAULTS,
                null,
                new Worktrees.Spec(BASE, "DOCS-1", false, false))
            .toBody();
    ((ObjectNode) body.get("worktree")).put("base", "main");

    assertThatThrownBy(() -> FanoutParent.fromBody(body))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith("body.worktree.base: expected a full commit id");
  }

  @Test
  void theShortStatOfGitIsReadIntoCounts() {
    assertThat(
            Worktrees.DiffStat.parseShortStat(" 2 files changed, 3 insertions(+), 1 deletion(-)"))
        .isEqualTo(new Worktrees.DiffStat(2, 3, 1));
    assertThat(Worktrees.DiffStat.parseShortStat(" 1 file changed, 1 deletion(-)"))
        .isEqualTo(new Worktrees.DiffStat(1, 0, 1));
    assertThat(Worktrees.DiffStat.parseShortStat("")).isEqualTo(new Worktrees.DiffStat(0, 0, 0));
  }
}
