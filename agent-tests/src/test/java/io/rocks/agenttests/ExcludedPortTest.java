package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same echo session run twice: without the agent, and with it under a policy that excludes the
 * server's port. The second run must be the first again: the same bytes back, the same exit code,
 * no rock made and no detection tried.
 */
class ExcludedPortTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  @Test
  @Timeout(120)
  void aProgramUnderTheAgentWhosePortIsExcludedBehavesAsWithoutIt(@TempDir Path dir) throws Exception {
    byte[] input = new byte[3 << 20];
    new SplittableRandom(5).nextBytes(input);
    int port = freePort();
    Path policy = dir.resolve("rocks.conf");
    Files.writeString(policy, "rocks { excluded-ports = [" + port + "] }\n");

    Run without = session("plain", List.of(), port, input);
    Run with = session("excluded", Program.agent(policy), port, input);

    assertEquals(0, without.exit, "exit code without the agent");
    assertEquals(without.exit, with.exit, "exit code with the agent");
    assertEquals(Program.sha256(input), without.sha256, "SHA-256 of the echo without the agent");
    assertEquals(without.sha256, with.sha256, "SHA-256 of the echo with the agent");
    for (Program program : List.of(with.server, with.client)) {
      assertEquals(0, program.count("rocks server listening"), program.name() + " made a rocks server socket" + program.tail());
      assertEquals(0, program.count("is a rocks server"), program.name() + " tried detection" + program.tail());
      assertEquals(0, program.count("EXCEPTION"), program.name() + program.tail());
    }
    // The agent was there: a JVM whose -javaagent cannot be loaded does not start, and the same
    // programs under the agent without the exclusion make rocks (EchoAcrossCutsTest).
  }

  private record Run(int exit, String sha256, Program server, Program client) {}

  private static Run session(String name, List<String> jvmOptions, int port, byte[] input) throws Exception {
    try (Program server = Program.start(name + "-echo-server", jvmOptions, "EchoServer", "127.0.0.1", String.valueOf(port))) {
      assertEquals("listening " + port, server.awaitFirstLine(LIMIT));
      try (Program client = Program.start(name + "-stream-client", jvmOptions, "StreamClient", "127.0.0.1",
          String.valueOf(port))) {
        OutputStream stdin = client.stdin();
        stdin.write(input);
        stdin.close();
        int exit = client.awaitExit(LIMIT);
        return new Run(exit, Program.sha256(client.stdoutBytes()), server, client);
      }
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }
}
