package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy the agent cannot read is reported at start on stderr, naming the key and file:line, and
 * every socket the program then makes fails with the same message: no connection is made with
 * settings other than the ones asked for.
 */
class BadPolicyTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  @Test
  @Timeout(120)
  void aMalformedPolicyIsNamedAtStartAndFailsEverySocket(@TempDir Path dir) throws Exception {
    Path policy = dir.resolve("rocks.conf");
    Files.writeString(policy, "rocks {\n  heartbeat-interval = 500 ms\n  reconnect-timeout = soon\n}\n");
    try (Program client = Program.start("bad-policy-client", Program.agent(policy), "StreamClient", "127.0.0.1", "9")) {
      client.stdin().close();
      assertEquals(1, client.awaitExit(LIMIT), "the program's exit code" + client.tail());
      List<String> lines = client.stderrLines();
      String start = lines.stream().filter(l -> l.startsWith("rocks-agent: cannot read the rocks policy")).findFirst()
          .orElseThrow(() -> new AssertionError("no start-up line" + client.tail()));
      String named = policy + ": 3: Invalid value at 'rocks.reconnect-timeout': must be a duration such as \"500 ms\""
          + " or \"2 seconds\", was \"soon\"";
      assertEquals("rocks-agent: cannot read the rocks policy (" + policy + "): " + named
          + "; every socket the program makes will fail with this message", start);
      String failure = lines.stream().filter(l -> l.startsWith("EXCEPTION in the client: ")).findFirst()
          .orElseThrow(() -> new AssertionError("the program saw no exception" + client.tail()));
      assertEquals("EXCEPTION in the client: java.net.SocketException: rocks-agent: the rocks policy could not be read: "
          + named, failure);
    }
  }

  @Test
  @Timeout(120)
  void aMissingPolicyFileIsNamed(@TempDir Path dir) throws Exception {
    Path policy = dir.resolve("missing.conf");
    try (Program client = Program.start("missing-policy-client", Program.agent(policy), "StreamClient", "127.0.0.1", "9")) {
      client.stdin().close();
      assertEquals(1, client.awaitExit(LIMIT), "the program's exit code" + client.tail());
      assertEquals(1, client.stderrLines().stream()
          .filter(l -> l.startsWith("rocks-agent: cannot read the rocks policy (" + policy + ")") && l.contains("missing.conf"))
          .count(), client.tail());
    }
  }
}
