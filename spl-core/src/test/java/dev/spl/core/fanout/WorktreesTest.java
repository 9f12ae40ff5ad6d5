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
    assertThat(spec.child(3, 2))
        .isEqualTo(new Worktrees.Child(BASE, "spl/DOCS-1/3-2", true, null, false));
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
        .isEqualTo(new Worktrees.Child(BASE, "spl/DOCS-1/0-2", false, null, false));
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

  @Test
  void aSubtaskAsksForAWorktreeWithWorkspaceAndItsChildSaysSo() {
    SubtaskSpec asked = SubtaskParser.parseCli(0, "goal=Edit,run=true,workspace=worktree");
    assertThat(asked.workspace()).isEqualTo(SubtaskSpec.WORKTREE);
    assertThat(SubtaskParser.parseJson(0, asked.toJson())).isEqualTo(asked);
    assertThatThrownBy(() -> SubtaskParser.parseCli(1, "goal=Edit,workspace=tmpdir"))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage("subtask 1: workspace: expected worktree but found 'tmpdir'");

    Driver driver = new Driver();
    driver.fanOutWorktree(
        List.of(asked, SubtaskSpec.ofGoal("Plain")),
        "all",
        new Worktrees.Spec(BASE, "DOCS-1", false, false));
    List<FanoutAction.Spawn> spawns =
        Driver.spawns(driver.step(Driver.live(Driver.worker("a1", "a", 0))));
    assertThat(spawns).hasSize(2);
    Worktrees.Child first = ChildIntent.fromBody(spawns.get(0).childIntent()).worktree();
    Worktrees.Child second = ChildIntent.fromBody(spawns.get(1).childIntent()).worktree();
    assertThat(first.requested()).isTrue();
    assertThat(spawns.get(0).childIntent().get("worktree").get("workspace").asText())
        .isEqualTo("worktree");
    assertThat(first.base()).isEqualTo(BASE);
    assertThat(second.requested()).isFalse();
    assertThat(spawns.get(1).childIntent().get("worktree").has("workspace")).isFalse();
  }

  @Test
  void aWorktreeAskedForInAFanOutWithoutARepositoryIsRefused() {
    List<SubtaskSpec> specs =
        List.of(
            SubtaskSpec.ofGoal("Plain"),
            SubtaskParser.parseCli(1, "goal=Edit,run=true,workspace=worktree"));
    assertThatThrownBy(() -> FanoutValidation.validateWorkspaces(specs, null))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage(
            "subtask 1: workspace: workspace=worktree needs a repository, but the fan-out has"
                + " none: fan out with --repo PATH");
    FanoutValidation.validateWorkspaces(specs, new Worktrees.Spec(BASE, "DOCS-1", false, false));

    // A parent written without the CLI's check is never acted on.
    Driver driver = new Driver();
    driver.fanOut(specs, "all");
    assertThat(driver.fanouts.invalidFanouts().values())
        .singleElement()
        .asString()
        .contains("workspace=worktree needs a repository");
  }
}
