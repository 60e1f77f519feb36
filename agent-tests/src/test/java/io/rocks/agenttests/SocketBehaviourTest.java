package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a program sees of its socket's options, timeouts and shutdown is the same under the agent,
 * where the socket is a rock, as without it: the same lines, word for word. The one difference is
 * the program's own socket implementation factory, which the agent's stands in the way of.
 */
class SocketBehaviourTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  @Test
  @Timeout(120)
  void optionsTimeoutsAndShutdownBehaveUnderTheAgentAsWithout() throws Exception {
    List<String> plain = run("plain", List.of());
    List<String> agent = run("agent", Program.agent(null));
    List<String> expected = List.of(
        "connected true bound true closed false",
        "remote port matches true, local port set true",
        "TCP_NODELAY true",
        "SO_KEEPALIVE true",
        "SO_LINGER 5",
        "SO_LINGER off -1",
        "TCP_NODELAY by option false",
        "SO_TIMEOUT 300",
        "read timed out: SocketTimeoutException",
        "echo 1 2 3 available 0",
        "output shut down true, then read -1",
        "write after shutdown: SocketException");
    assertEquals(expected, plain.subList(0, expected.size()), "without the agent");
    assertEquals(expected, agent.subList(0, expected.size()), "under the agent, on a rock");
    assertEquals("own factory: set", plain.get(expected.size()));
    assertEquals("own factory: factory already defined", agent.get(expected.size()),
        "the JDK's message when the agent's factory is already set (README says so)");
  }

  /**
   * Where the policy excludes the port, the socket under the agent is the JDK's own, not a
   * channel's: an interrupted platform thread still reads from it, as without the agent.
   */
  @Test
  @Timeout(120)
  void anExcludedPortsSocketIsTheJdksOwnDownToInterrupts(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path policy = dir.resolve("rocks.conf");
    Files.writeString(policy, "rocks { excluded-ports = [" + port + "] }\n");
    List<String> plain = run("plain-excluded", List.of(), port, "interrupt");
    List<String> agent = run("agent-excluded", Program.agent(policy), port, "interrupt");
    assertEquals("interrupted platform thread read 7", plain.get(10), "without the agent: " + plain);
    assertEquals("closed after the interrupt false", plain.get(11), "without the agent: " + plain);
    int last = plain.size() - 1;
    assertEquals(plain.subList(0, last), agent.subList(0, last), "the excluded port's socket under the agent");
    assertEquals("own factory: factory already defined", agent.get(last));
  }

  private static List<String> run(String name, List<String> options) throws Exception {
    return run(name, options, 0);
  }

  private static List<String> run(String name, List<String> options, int port, String... extra) throws Exception {
    try (Program server = Program.start(name + "-behaviour-server", options, "EchoServer", "127.0.0.1",
        String.valueOf(port))) {
      int listening = Integer.parseInt(server.awaitFirstLine(LIMIT).split(" ")[1]);
      List<String> args = new java.util.ArrayList<>(List.of("127.0.0.1", String.valueOf(listening)));
      args.addAll(List.of(extra));
      try (Program client = Program.start(name + "-behaviour", options, "SocketBehaviour", args.toArray(String[]::new))) {
        assertEquals(0, client.awaitExit(LIMIT), "exit code" + client.tail());
        if (!options.isEmpty() && port == 0) {
          assertEquals(1, client.count("is a rocks server"), "the socket is a rock" + client.tail());
        }
        return client.stdoutText().lines().toList();
      }
    }
  }
}
