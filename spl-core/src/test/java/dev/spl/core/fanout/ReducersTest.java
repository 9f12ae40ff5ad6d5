package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Json;
import dev.spl.core.StoredRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReducersTest {
  private static final WorkerDirectory FLEET = Driver.live(Driver.worker("a", "worker-a", 0));

  private static FaninSpec reducers(String... texts) {
    return new FaninSpec(Reducer.parseAll(List.of(texts), "--reduce"));
  }

  private static JsonNode json(String text) {
    return Json.parse(text);
  }

  private static Driver fourChildren(FanoutOptions options) {
    Driver driver = new Driver();
    driver.fanOut(
        Driver.goals("a", "b", "c", "d"),
        "all",
        options,
        reducers(
            "total=sum(result.count)",
            "slowest=max(result.ms)",
            "fastest=min(result.ms)",
            "n=count()",
            "mean=avg(result.ms)",
            "paths=append(result.path)",
            "seen=merge(result.tags)",
            "words=merge(result.words)"));
    driver.step(FLEET);
    return driver;
  }

  private static String value(Driver driver, String name) {
    return driver.state().reduced().get(name).value().toString();
  }

  @Test
  void reducersFoldEachAcceptedChildOnceInAnyOrderAndAppendKeepsInputOrder() {
    Driver driver = fourChildren(FanoutOptions.DEFAULTS);
    driver.doneWithResult(
        2,
        1,
        "accept",
        json(
            "{\"count\": 3, \"ms\": 40, \"path\": \"c\", \"tags\": [\"x\", \"y\"],"
                + " \"words\": {\"the\": 2, \"cat\": 1}}"));
    driver.doneWithResult(
        0,
        1,
        "accept",
        json(
            "{\"count\": 5, \"ms\": 10.5, \"path\": \"a\", \"tags\": [\"y\", \"z\"],"
                + " \"words\": {\"the\": 1, \"dog\": 4}}"));
    // The same completion delivered twice counts once.
    driver.doneWithResult(0, 1, "accept", json("{\"count\": 5, \"ms\": 10.5}"));
    driver.doneWithResult(1, 1, "accept", json("{\"count\": 2, \"ms\": 99, \"path\": \"b\"}"));
    assertThat(value(driver, "total")).isEqualTo("10");
    assertThat(value(driver, "slowest")).isEqualTo("99");
    assertThat(value(driver, "fastest")).isEqualTo("10.5");
    assertThat(value(driver, "n")).isEqualTo("3");
    assertThat(value(driver, "mean")).isEqualTo("49.83333333333333");
    assertThat(value(driver, "paths")).isEqualTo("[\"a\",\"b\",\"c\"]");
    assertThat(value(driver, "seen")).isEqualTo("[\"x\",\"y\",\"z\"]");
    assertThat(value(driver, "words")).isEqualTo("{\"the\":3,\"cat\":1,\"dog\":4}");
    // Child 1 had no tags: merge counts it, naming the child.
    Reductions.Value seen = driver.state().reduced().get("seen");
    assertThat(seen.errors()).isEqualTo(1);
    assertThat(seen.firstErrorIndex()).isEqualTo(1);
    assertThat(seen.firstError()).isEqualTo("result.tags is missing");

    driver.doneWithResult(3, 1, "accept", json("{\"count\": 1, \"ms\": 5, \"path\": \"d\"}"));
    driver.step(FLEET);
    JoinComplete join =
        JoinComplete.fromBody(driver.log.get(driver.log.size() - 1).record().body());
    assertThat(join.reduced().path("total").path("value").asLong()).isEqualTo(11);
    assertThat(join.reduced().path("fastest").path("value").asInt()).isEqualTo(5);
    assertThat(join.reduced().path("paths").path("value").toString())
        .isEqualTo("[\"a\",\"b\",\"c\",\"d\"]");
  }

  @Test
  void aNonNumericValueIsCountedWithTheFirstOffendingChildAndTheChildStaysAccepted() {
    Driver driver = fourChildren(FanoutOptions.DEFAULTS);
    driver.doneWithResult(3, 1, "accept", json("{\"count\": \"many\"}"));
    driver.doneWithResult(1, 1, "accept", json("{\"count\": true}"));
    driver.doneWithResult(2, 1, "accept", json("{\"count\": 4}"));
    Reductions.Value total = driver.state().reduced().get("total");
    assertThat(total.value().asLong()).isEqualTo(4);
    assertThat(total.errors()).isEqualTo(2);
    assertThat(total.firstErrorIndex()).isEqualTo(1);
    assertThat(total.firstError()).isEqualTo("result.count is a boolean true, not a number");
    assertThat(driver.state().verdict(3)).isEqualTo(Verdict.ACCEPT);
    assertThat(driver.state().counters().accepted()).isEqualTo(3);
  }

  @Test
  void aRetriedChildCountsWithItsAcceptedAttemptAndReplayGivesTheSameValues() {
    Driver driver = fourChildren(new FanoutOptions(FanoutPolicy.ALL, 2, 0, 0));
    driver.doneWithResult(0, 1, "reject", json("{\"count\": 100, \"ms\": 1000}"));
    driver.step(FLEET);
    assertThat(driver.state().attempt(0)).isEqualTo(2);
    driver.doneWithResult(0, 2, "accept", json("{\"count\": 7, \"ms\": 3}"));
    // A late result of the rejected attempt changes nothing.
    driver.doneWithResult(0, 1, "accept", json("{\"count\": 100, \"ms\": 1000}"));
    driver.doneWithResult(1, 1, "accept", json("{\"count\": 1, \"ms\": 4}"));
    assertThat(value(driver, "total")).isEqualTo("8");
    assertThat(value(driver, "slowest")).isEqualTo("4");

    // A manual retry of an accepted child takes its value out, even of a max.
    driver.retry(1, null);
    assertThat(value(driver, "total")).isEqualTo("7");
    assertThat(value(driver, "slowest")).isEqualTo("3");
    driver.step(FLEET);
    driver.doneWithResult(1, 2, "accept", json("{\"count\": 10, \"ms\": 2}"));
    assertThat(value(driver, "total")).isEqualTo("17");
    assertThat(value(driver, "n")).isEqualTo("2");

    Driver replay = new Driver();
    for (StoredRecord stored : driver.log) {
      replay.log.add(stored);
      replay.fanouts.apply(stored);
    }
    replay.fanoutId = driver.fanoutId;
    assertThat(replay.state().reducedJson()).isEqualTo(driver.state().reducedJson());
  }

  @Test
  void badReducersAreRefusedNamingWhatAndWhere() {
    assertThatThrownBy(() -> reducers("total=summ(result.count)"))
        .hasMessage(
            "--reduce 1: unknown function 'summ' (expected sum, min, max, count, avg, append or"
                + " merge) in 'total=summ(result.count)'");
    assertThatThrownBy(() -> reducers("n=count()", "t=sum(result..count)"))
        .hasMessage(
            "--reduce 2: the path 'result..count' does not parse: part 2 '' is not a field name"
                + " (letters, digits, _ and -, not starting with a digit unless it is an array"
                + " index)");
    assertThatThrownBy(() -> reducers("t=sum(count)"))
        .hasMessage(
            "--reduce 1: the path 'count' does not parse: it must start with 'result' (the"
                + " child's result), e.g. result.count");
    assertThatThrownBy(() -> reducers("t=sum()"))
        .hasMessage(
            "--reduce 1: sum() needs the path of a value, e.g. sum(result.count), in 't=sum()'");
    assertThatThrownBy(() -> reducers("total"))
        .hasMessage(
            "--reduce 1: expected NAME=FUNCTION(result.PATH) (e.g. total=sum(result.count)) but"
                + " found 'total'");
    assertThatThrownBy(() -> reducers("t=count()", "t=sum(result.x)"))
        .hasMessage("--reduce 2: the name 't' is given twice");
  }
}
