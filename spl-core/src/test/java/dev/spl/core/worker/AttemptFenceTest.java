package dev.spl.core.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.core.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttemptFenceTest {
  private static final String FANOUT = "f".repeat(64);

  @Test
  void aFanoutTheCoordinatorDoesNotHaveFencesNothing() {
    assertThat(AttemptFence.standing(null, 0, 1, "did:sync:instance:a", true))
        .isEqualTo(AttemptStanding.UNKNOWN);
  }

  @Test
  void questionsAndAnswersRoundTripAndBadOnesNameTheField() throws Exception {
    AttemptQuestion question =
        new AttemptQuestion(
            "did:sync:instance:a", 17, List.of(new AttemptQuestion.Asked(FANOUT, 3, 2)));
    assertThat(AttemptQuestion.fromJson(Json.MAPPER.readTree(question.toJson().toString())))
        .isEqualTo(question);
    var answers =
        List.of(
            new AttemptQuestion.Answer(
                new AttemptQuestion.Asked(FANOUT, 3, 2), AttemptStanding.SUPERSEDED));
    assertThat(
            AttemptQuestion.answersFrom(
                Json.MAPPER.readTree(AttemptQuestion.answerJson(answers).toString())))
        .isEqualTo(answers);

    assertThatThrownBy(
            () ->
                AttemptQuestion.fromJson(
                    Json.MAPPER.readTree(
                        "{\"worker\":\"w\",\"worker_started_at\":1,\"attempts\":[{\"fanout\":\""
                            + FANOUT
                            + "\",\"index\":0,\"attempt\":0}]}")))
        .hasMessageStartingWith("attempts[0].attempt: expected a whole number 1..");
    assertThatThrownBy(
            () ->
                AttemptQuestion.fromJson(
                    Json.MAPPER.readTree(
                        "{\"worker\":\"w\",\"worker_started_at\":1,\"attempts\":[],\"x\":1}")))
        .hasMessageContaining("unknown field 'x'");
  }

  @Test
  void aStandingIsReadOnlyInAnAnswerAndAFanoutIdMustBeLowercaseHex() throws Exception {
    String asked = "{\"fanout\":\"" + FANOUT + "\",\"index\":0,\"attempt\":1";
    assertThatThrownBy(
            () ->
                AttemptQuestion.fromJson(
                    Json.MAPPER.readTree(
                        "{\"worker\":\"w\",\"worker_started_at\":1,\"attempts\":["
                            + asked
                            + ",\"standing\":\"current\"}]}")))
        .hasMessageContaining("attempts[0]: unknown field 'standing'");
    assertThatThrownBy(
            () ->
                AttemptQuestion.answersFrom(
                    Json.MAPPER.readTree(
                        "{\"attempts\":[" + asked + ",\"standing\":\"current\",\"x\":1}]}")))
        .hasMessageContaining("attempts[0]: unknown field 'x'");
    assertThatThrownBy(
            () ->
                AttemptQuestion.fromJson(
                    Json.MAPPER.readTree(
                        "{\"worker\":\"w\",\"worker_started_at\":1,\"attempts\":["
                            + asked.replace(FANOUT, FANOUT.toUpperCase())
                            + "}]}")))
        .hasMessageStartingWith("attempts[0].fanout: expected a fan-out id");
    assertThat(
            AttemptQuestion.answersFrom(
                Json.MAPPER.readTree("{\"attempts\":[" + asked + ",\"standing\":\"not_yet\"}]}")))
        .containsExactly(
            new AttemptQuestion.Answer(
                new AttemptQuestion.Asked(FANOUT, 0, 1), AttemptStanding.NOT_YET));
  }
}
