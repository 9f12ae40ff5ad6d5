package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.core.git.Git;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walkthrough of docs/parallel-dev.md ("Walkthrough: a conflict, then a retry on the
 * integration branch"), step by step through the CLI, against a coordinator and two worktree
 * workers in this JVM, on the sample repository the page makes: three children edit different files
 * and one conflicts, the merge queue integrates two and reports the conflict, a retry with {@code
 * --rebase} fixes it, and the check runs the repository's tests each time.
 */
class ParallelDevWalkthroughTest {
  private static final Map<String, String> IDENTITY =
      Map.of(
          "GIT_AUTHOR_NAME", "dev",
          "GIT_AUTHOR_EMAIL", "dev@localhost",
          "GIT_COMMITTER_NAME", "dev",
          "GIT_COMMITTER_EMAIL", "dev@localhost");

  @TempDir Path dir;
  private InProcessFleet fleet;
  private Map<String, String> env;
  private Path sample;
  private Git repo;

  @BeforeEach
  void makeTheSampleAndTheFleet() throws Exception {
    assumeThat(Git.installed()).as("git is installed").isTrue();
    assumeThat(commandWorks("python3", "--version")).as("python3 is installed").isTrue();
    // The sample repository: a small Python module and its test.
    sample = dir.resolve("sample");
    Files.createDirectories(sample);
    repo = new Git(sample);
    repo.check("init", "-q", "-b", "main");
    Files.writeString(sample.resolve("calc.py"), "def add(a, b):\n    return a + b\n");
    Files.writeString(
        sample.resolve("test_calc.py"), "import calc\nassert calc.add(2, 3) == 5\nprint(\"ok\")\n");
    Files.writeString(sample.resolve("README.md"), "# Sample\n");
    repo.check("add", "-A");
    repo.check(IDENTITY, "commit", "-qm", "A sample project");
    Files.writeString(
        dir.resolve("add-mul.sh"), "printf 'def mul(a, b):\\n    return a * b\\n' > mul.py\n");
    Files.writeString(
        dir.resolve("add-sub.sh"),
        "printf 'def sub(a, b):\\n    return a - b\\n' > sub.py\n"
            + "git add sub.py && git commit -qm \"Add sub\"\n");
    // Tests mul, and writes one when there is none yet: from the base it writes its own, which
    // conflicts with child 0's once that one is integrated; from the integration branch it only
    // adds the test.
    Files.writeString(
        dir.resolve("test-mul.sh"),
        "[ -f mul.py ] || printf 'def mul(a, b):\\n    return sum(a for _ in range(b))\\n'"
            + " > mul.py\n"
            + "printf 'import mul\\nassert mul.mul(3, 4) == 12\\n' >> test_calc.py\n");

    fleet = new InProcessFleet(dir, null);
    fleet.startCoordinator();
    for (String alias : List.of("worker-1", "worker-2")) {
      fleet.startWorktreeWorker(alias, sample);
    }
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", fleet.coordinatorHome().toString());
    fleet.awaitLiveWorkers(2);
  }

  private static boolean commandWorks(String... command) {
    try {
      return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  @AfterEach
  void stopFleet() {
    if (fleet != null) {
      fleet.close();
    }
  }

  private CliRun run(int expectedExit, String... args) {
    CliRun run = CliRun.run(env, args);
    System.out.println("$ spl " + String.join(" ", args));
    System.out.print(run.out());
    System.out.print(run.err());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(expectedExit);
    return run;
  }

  @Test
  void twoAreIntegratedOneConflictsAndARetryOnTheIntegrationBranchFixesIt() throws Exception {
    String integration = "spl/CALC-3/integration";
    run(0, "task", "add", "Grow the calculator", "--alias", "CALC-3", "--namespace", "dev");
    CliRun fanOut =
        run(
            0,
            "task",
            "fan-out",
            "CALC-3",
            "--repo",
            sample.toString(),
            "--merge",
            "rebase",
            "--merge-check",
            "python3 test_calc.py",
            "--subtask",
            "goal=Add mul,run=sh " + dir.resolve("add-mul.sh"),
            "--subtask",
            "goal=Add sub,run=sh " + dir.resolve("add-sub.sh"),
            "--subtask",
            "goal=Test mul,run=sh " + dir.resolve("test-mul.sh"),
            "--join",
            "all");
    assertThat(fanOut.out())
        .contains("  merge:    rebase onto " + integration + ", check 'python3 test_calc.py'");

    // Children 0 and 1 are integrated; child 2 wrote its own mul.py and conflicts with child 0's.
    CliRun watched =
        run(ExitCodes.FAILURE, "task", "join-status", "CALC-3", "--watch", "--timeout", "120");
    String afterTwo = repo.check("rev-parse", integration);
    assertThat(watched.out())
        .contains("Join complete:   yes (reject)")
        .contains("Merge:           rebase onto " + integration + " at " + afterTwo)
        .contains("integrated 2")
        .contains("[2] conflict: mul.py");
    assertThat(repo.check("rev-list", "--count", "main.." + integration)).isEqualTo("2");
    assertThat(repo.check("show", integration + ":mul.py")).contains("return a * b");

    CliRun retry = run(0, "task", "retry", "CALC-3", "--subtask", "2", "--rebase");
    assertThat(retry.out())
        .contains("Retry requested for subtask 2 (attempt 2, replacing conflict)")
        .contains("from " + integration + " at " + afterTwo + "; the join is reopened");
    // Reopened: the list no longer shows the verdict the retry undid (it shows the task running
    // again, or accepted once the queue has integrated the new attempt).
    String listedAfterRetry =
        run(0, "task", "list")
            .out()
            .lines()
            .filter(line -> line.contains("CALC-3"))
            .findFirst()
            .orElseThrow();
    assertThat(listedAfterRetry).doesNotContain("rejected").containsPattern("fanned out|accepted");

    // The new attempt starts from the integration branch: mul.py is there, so it only adds the
    // test; the queue integrates it and the check runs the test of mul too.
    CliRun again = run(0, "task", "join-status", "CALC-3", "--watch", "--timeout", "120");
    String head = repo.check("rev-parse", integration);
    assertThat(again.out())
        .contains("Join complete:   yes (accept)")
        .contains("Fan-in:          complete · succeeded 3 · failed 0 · cancelled 0 · retried 1")
        .contains("Merge:           rebase onto " + integration + " at " + head)
        .contains("integrated 3");
    CliRun results = run(0, "task", "results", "CALC-3");
    assertThat(results.out()).contains("[2] accept").doesNotContain("conflict");
    JsonNode child = run(0, "-o", "json", "task", "results", "CALC-3").json().get(2);
    assertThat(child.path("result").path("git").path("base").asText()).isEqualTo(afterTwo);
    assertThat(child.path("result").path("git").path("branch").asText())
        .isEqualTo("spl/CALC-3/2-2");
    assertThat(repo.check("rev-parse", head + "~1")).isEqualTo(afterTwo);
    assertThat(repo.check("show", integration + ":test_calc.py"))
        .contains("assert mul.mul(3, 4) == 12");
    assertThat(repo.check("show", integration + ":mul.py")).contains("return a * b");
    assertThat(run(0, "task", "list").out().lines().filter(line -> line.contains("CALC-3")))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("accepted");
    CliRun log = run(0, "task", "show", "CALC-3");
    assertThat(log.out()).contains("Status:").contains("accepted");
    System.out.println("$ git -C sample log --oneline --graph " + integration);
    System.out.println(repo.check("log", "--oneline", "--graph", integration));

    // Once integrated, the child cannot be retried on the branch again.
    CliRun refused = CliRun.run(env, "task", "retry", "CALC-3", "--subtask", "2", "--rebase");
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(refused.err())
        .contains("cannot retry: subtask 2: --rebase: it is integrated already (attempt 2");
  }
}
