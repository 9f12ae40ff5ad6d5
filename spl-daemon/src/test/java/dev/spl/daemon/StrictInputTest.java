package dev.spl.daemon;

import static dev.spl.daemon.HttpApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Hex;
import dev.spl.daemon.config.DaemonConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Input the API must refuse with a 400 naming what is wrong, storing nothing. */
class StrictInputTest {
  private static final String T1 = Records.thread("strict");
  private static final String USER = "did:sync:user:tester";
  private static final String INSTANCE = "did:sync:instance:00112233aabbccdd";

  @TempDir Path home;
  private Daemon daemon;
  private Http http;

  @BeforeEach
  void start() {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).build());
    http = new Http(daemon.url());
  }

  @AfterEach
  void stop() {
    daemon.close();
  }

  private static String record(String thread, String actor, String act, String body) {
    return "{\"thread\":\""
        + thread
        + "\",\"actor\":\""
        + actor
        + "\",\"act\":\""
        + act
        + "\",\"body\":"
        + body
        + "}";
  }

  private void assertRefusedAndNothingStored(Http.Response response, String code, String named) {
    assertError(response, 400, code, named);
    assertThat(daemon.records().count()).isZero();
  }

  @Test
  void aKeyGivenTwiceIsRefusedNotLastOneWins() {
    Http.Response response =
        http.post(
            "/v1/records",
            "{\"thread\":\""
                + T1
                + "\",\"actor\":\""
                + USER
                + "\",\"act\":\"INTEND\","
                + "\"act\":\"KNOW\",\"body\":{}}");

    assertRefusedAndNothingStored(response, "MALFORMED_JSON", "the key 'act' is given twice");
  }

  @Test
  void aKeyGivenTwiceInsideTheBodyIsRefusedNamingTheObject() {
    Http.Response response =
        http.post("/v1/records", record(T1, USER, "DO", "{\"n\":{\"a\":1,\"a\":2}}"));

    assertRefusedAndNothingStored(response, "MALFORMED_JSON", "'a' is given twice in /body/n");
  }

  @Test
  void anOverlongUtf8EncodingIsRefused() {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(record(T1, USER, "DO", "{\"path\":\"a").getBytes(StandardCharsets.UTF_8));
    body.write(0xC0);
    body.write(0xAF);
    body.writeBytes("b\"}}".getBytes(StandardCharsets.UTF_8));

    assertRefusedAndNothingStored(
        http.post("/v1/records", body.toByteArray()),
        "MALFORMED_JSON",
        "expected UTF-8 but found the invalid byte sequence C0");
  }

  @Test
  void aUtf16BodyIsRefused() {
    byte[] body = record(T1, USER, "DO", "{}").getBytes(StandardCharsets.UTF_16LE);

    assertRefusedAndNothingStored(
        http.post("/v1/records", body), "MALFORMED_JSON", "expected UTF-8 but found a zero byte");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "1e999999999 | body.x: expected a number within the range of IEEE-754 doubles",
        "9007199254740993 | body.x: expected an integer of magnitude at most 9007199254740992",
        "\"a\\ud800\" | body.x: expected valid Unicode text but found an unpaired surrogate",
      })
  void numbersAndStringsWithoutACanonicalFormAreA400NamingTheField(String value, String named) {
    assertRefusedAndNothingStored(
        http.post("/v1/records", record(T1, USER, "DO", "{\"x\":" + value + "}")),
        "INVALID_RECORD",
        named);
  }

  @Test
  void aBatchWithOneBadNumberStoresNothing() {
    Http.Response response =
        http.post(
            "/v1/records",
            "["
                + Records.json(T1, "DO", "a", 1)
                + ","
                + record(T1, USER, "DO", "{\"x\":1e400}")
                + "]");

    assertRefusedAndNothingStored(response, "INVALID_RECORD", "records[1]: body.x");
  }

  @Test
  void aBadPercentEscapeInTheQueryIsRefusedNotDropped() {
    http.post("/v1/records", Records.json(T1, "DO", "a", 1));
    http.post("/v1/records", Records.json(Records.thread("other"), "DO", "a", 1));

    assertError(
        rawGet("/v1/records?thread=%zz"),
        400,
        "INVALID_PARAMETER",
        "expected '%' followed by two hex digits but found '%zz'");
    assertError(http.get("/v1/records?topic=%C0%AF"), 400, "INVALID_PARAMETER", "UTF-8");
    assertError(rawGet("/v1/threads/" + T1 + "?after=%2"), 400, "INVALID_PARAMETER", "'%2'");
    assertThat(http.get("/v1/records?topic=%61").json().path("data").size()).isEqualTo(2);
  }

  /** A GET sent as written: the JDK's client refuses to send a malformed escape. */
  private Http.Response rawGet(String target) {
    URI url = URI.create(daemon.url());
    try (Socket socket = new Socket(url.getHost(), url.getPort())) {
      socket.setSoTimeout(20_000);
      String request =
          "GET "
              + target
              + " HTTP/1.1\r\nHost: "
              + url.getHost()
              + ":"
              + url.getPort()
              + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(response.substring(9, 12));
      String body = response.substring(response.indexOf("\r\n\r\n") + 4);
      return new Http.Response(status, body);
    } catch (IOException e) {
      throw new AssertionError("GET " + target + " failed", e);
    }
  }

  @Test
  void parentsGivenTwiceAreRefused() {
    String parent = Hex.sha256(new byte[] {1});
    Http.Response response =
        http.post(
            "/v1/records",
            "{\"thread\":\""
                + T1
                + "\",\"actor\":\""
                + USER
                + "\",\"act\":\"DO\",\"body\":{},"
                + "\"parents\":[\""
                + parent
                + "\",\""
                + parent
                + "\"]}");

    assertRefusedAndNothingStored(
        response, "INVALID_RECORD", "parents: expected distinct record ids but " + parent);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "freeze with an unknown level | th_fleet_control | LEARN | {\"topic\":\"freeze\","
            + "\"namespace\":\"docs\",\"level\":\"medium\"} | body.level: expected 'soft' or 'hard'",
        "freeze without a namespace | th_fleet_control | LEARN | {\"topic\":\"freeze\","
            + "\"level\":\"soft\"} | body.namespace: expected a string",
        "freeze with a typo | th_fleet_control | LEARN | {\"topic\":\"freeze\",\"namespace\":"
            + "\"docs\",\"level\":\"hard\",\"grace\":5} | body.grace: unknown key for a freeze",
        "freeze with a huge grace | th_fleet_control | LEARN | {\"topic\":\"freeze\",\"namespace\":"
            + "\"docs\",\"level\":\"hard\",\"grace_secs\":9007199254740992}"
            + " | body.grace_secs: expected an integer from 0 to 86400",
        "unfreeze of a blank namespace | th_fleet_control | LEARN | {\"topic\":\"unfreeze\","
            + "\"namespace\":\" \"} | body.namespace: expected a namespace name",
        "emergency stop without active | th_fleet_control | LEARN | {\"topic\":\"emergency_stop\","
            + "\"reason\":\"x\"} | body.active: expected true or false",
        "other topic on th_fleet_control | th_fleet_control | LEARN | {\"topic\":\"note\"}"
            + " | th_fleet_control: expected a LEARN freeze, unfreeze or emergency_stop record",
        "a DO on th_fleet_control | th_fleet_control | DO | {\"topic\":\"freeze\"}"
            + " | but found a DO freeze record",
        "junk on th_instance_registry | th_instance_registry | DO | {\"topic\":\"junk\"}"
            + " | th_instance_registry: expected a DO heartbeat, a LEARN instance_transition",
        "bad transition | th_instance_registry | LEARN | {\"topic\":\"instance_transition\","
            + "\"did\":\""
            + INSTANCE
            + "\",\"from\":\"live\",\"to\":\"gone\",\"health\":\"ok\","
            + "\"at\":1} | body.to:",
        "a freeze elsewhere | th_0000000000000000000000000000000000000000000000000000000000000000"
            + " | LEARN | {\"topic\":\"freeze\",\"namespace\":\"docs\",\"level\":\"soft\"}"
            + " | body.topic: 'freeze' records belong on th_fleet_control",
        "a rule that does not compile | th_engine_config | LEARN | {\"topic\":\"permission_rule\","
            + "\"name\":\"bad\",\"expression\":\"recrd.act == 'CALL'\"}"
            + " | body.expression at 1:1: undeclared reference to 'recrd'",
        "a rule that is not a bool | th_engine_config | LEARN | {\"topic\":\"permission_rule\","
            + "\"name\":\"bad\",\"expression\":\"record.act\"} | body.expression",
        "a rule without a name | th_engine_config | LEARN | {\"topic\":\"permission_rule\","
            + "\"expression\":\"false\"} | body.name: expected a string",
        "other topic on th_engine_config | th_engine_config | LEARN | {\"topic\":\"x\"}"
            + " | th_engine_config: expected a LEARN permission_rule or routing_rule record",
      })
  void systemRecordsThatBreakTheirSchemaAreRefused(
      String name, String thread, String act, String body, String named) {
    assertRefusedAndNothingStored(
        http.post("/v1/records", record(thread, USER, act, body)), "INVALID_RECORD", named);
  }

  @Test
  void wellFormedControlAndRuleRecordsAreStored() {
    Http.Response freeze =
        http.post(
            "/v1/records",
            record(
                "th_fleet_control",
                USER,
                "LEARN",
                "{\"topic\":\"freeze\",\"namespace\":\"docs\",\"level\":\"soft\",\"reason\":\"r\","
                    + "\"issued_by\":\""
                    + USER
                    + "\",\"issued_at\":1}"));
    Http.Response rule =
        http.post(
            "/v1/records",
            record(
                "th_engine_config",
                USER,
                "LEARN",
                "{\"topic\":\"permission_rule\",\"name\":\"no-calls\","
                    + "\"expression\":\"record.act == 'CALL'\",\"enabled\":true}"));
    Http.Response disable =
        http.post(
            "/v1/records",
            record(
                "th_engine_config",
                USER,
                "LEARN",
                "{\"topic\":\"permission_rule\",\"name\":\"no-calls\",\"enabled\":false}"));

    assertThat(freeze.status()).as(freeze.text()).isEqualTo(201);
    assertThat(rule.status()).as(rule.text()).isEqualTo(201);
    assertThat(disable.status()).as(disable.text()).isEqualTo(201);
  }
}
