package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.ExitCodes;
import dev.spl.core.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code spl fleet forget DID|ALIAS}: the coordinator forgets the key an instance registered with,
 * so the instance registers again with the key it presents next. How an operator re-admits a worker
 * whose key changed (its home was recreated, or restored without its key file).
 */
@Command(
    name = "forget",
    description =
        "Forget the key an instance registered with, so it registers again with its new key.")
final class FleetForget implements Callable<Integer> {
  private final CliContext context;

  @Parameters(paramLabel = "DID|ALIAS", description = "The instance: its DID or its alias.")
  String instance;

  FleetForget(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("instance", instance);
    JsonNode answer = context.client().post("/v1/fleet/forget", body);
    if (context.json()) {
      context.printJson(answer);
      return ExitCodes.OK;
    }
    for (JsonNode entry : answer.path("data")) {
      String did = entry.path("did").asText();
      context
          .out()
          .println(
              entry.path("forgotten").asBoolean()
                  ? "✓ forgot the key of "
                      + did
                      + "; its next heartbeat registers the key it presents"
                  : "✓ no key kept for "
                      + did
                      + "; its next heartbeat registers the key it presents");
    }
    return ExitCodes.OK;
  }
}
