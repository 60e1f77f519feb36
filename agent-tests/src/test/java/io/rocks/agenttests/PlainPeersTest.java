package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Under the agent's default policy plain peers keep working: a client under the agent fetches
 * from a plain server (detection finds it plain and connects plain), and a plain client is served
 * by a server under the agent (its server socket serves rocks and plain clients).
 */
class PlainPeersTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);
  private static final long BYTES = 8L << 20;

  @Test
  @Timeout(120)
  void aClientUnderTheAgentFetchesFromAPlainServer() throws Exception {
    try (Program server = Program.start("plain-file-server", List.of(), "HttpFileServer", "127.0.0.1", "0")) {
      int port = Integer.parseInt(server.awaitFirstLine(LIMIT).split(" ")[1]);
      try (Program fetch = Program.start("agent-fetch-plain", Program.agent(null), "HttpFetch",
          "http://127.0.0.1:" + port + "/bytes/" + BYTES + "/9")) {
        assertEquals(0, fetch.awaitExit(LIMIT), "exit code" + fetch.tail());
        assertEquals("status 200 bytes " + BYTES + " sha256 " + NioUnwrappedTest.expectedSha256(BYTES, 9) + "\n",
            fetch.stdoutText());
        assertEquals(1, fetch.count("127.0.0.1:" + port + " answered the rock handshake with something else, or nothing:"
            + " connecting plain"), "detection found a plain server" + fetch.tail());
        assertEquals(0, fetch.count("EXCEPTION") + server.count("EXCEPTION"), fetch.tail() + server.tail());
      }
    }
  }

  @Test
  @Timeout(120)
  void aPlainClientIsServedByAServerUnderTheAgent() throws Exception {
    byte[] input = new byte[2 << 20];
    new SplittableRandom(21).nextBytes(input);
    try (Program server = Program.start("agent-echo-for-plain", Program.agent(null), "EchoServer", "127.0.0.1", "0")) {
      int port = Integer.parseInt(server.awaitFirstLine(LIMIT).split(" ")[1]);
      try (Program client = Program.start("plain-client", List.of(), "StreamClient", "127.0.0.1", String.valueOf(port))) {
        OutputStream stdin = client.stdin();
        stdin.write(input);
        stdin.close();
        assertEquals(0, client.awaitExit(LIMIT), "exit code" + client.tail());
        assertEquals(Program.sha256(input), Program.sha256(client.stdoutBytes()), "SHA-256 of the echo");
        assertEquals(1, server.count("rocks server listening on 127.0.0.1:" + port + " (rocks and plain clients)"),
            server.tail());
        assertEquals(0, client.count("EXCEPTION") + server.count("EXCEPTION"), client.tail() + server.tail());
      }
    }
  }
}
