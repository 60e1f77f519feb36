package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rocks.chaos.NetnsLab;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The unmodified echo client and server under the agent on two hosts (network namespaces joined by
 * a veth pair); the client host's address changes in the middle of the session. The client's rock
 * resumes from its new address and the session ends with every byte echoed once and no exception.
 */
class AddressChangeTest {
  private static final Duration STEP = Duration.ofSeconds(30);

  @Test
  @Timeout(180)
  void anUnmodifiedClientCarriesOnWhenItsHostsAddressChanges() throws Exception {
    Optional<String> unavailable = NetnsLab.unavailableReason();
    if (unavailable.isPresent()) {
      String message = "network namespaces: " + unavailable.get();
      if ("1".equals(System.getenv("ROCKS_CHAOS_REQUIRE_NETNS"))) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    try (NetnsLab lab = NetnsLab.create();
        Program server = Program.startIn("netns-echo-server", lab.execPrefix(lab.serverNs), Program.agent(null),
            "EchoServer", NetnsLab.SERVER_ADDRESS, "0")) {
      int port = Integer.parseInt(server.awaitFirstLine(STEP).split(" ")[1]);
      try (Program client = Program.startIn("netns-stream-client", lab.execPrefix(lab.clientNs), Program.agent(null),
          "StreamClient", NetnsLab.SERVER_ADDRESS, String.valueOf(port))) {
        client.awaitCount("is a rocks server", 1, STEP);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(3);
        OutputStream stdin = client.stdin();
        long bytes = send(stdin, sent, random, 1 << 20);
        awaitEchoed(client, bytes);

        lab.ip("-n", lab.clientNs, "addr", "del", NetnsLab.CLIENT_ADDRESS + "/" + NetnsLab.PREFIX, "dev", NetnsLab.CLIENT_DEV);
        lab.ip("-n", lab.clientNs, "addr", "add", NetnsLab.CLIENT_NEW_ADDRESS + "/" + NetnsLab.PREFIX, "dev", NetnsLab.CLIENT_DEV);
        bytes += send(stdin, sent, random, 1 << 20);
        client.awaitCount(EchoAcrossCutsTest.RESUMED, 1, STEP);
        server.awaitCount(EchoAcrossCutsTest.RESUMED, 1, STEP);
        bytes += send(stdin, sent, random, 1 << 20);
        stdin.close();

        assertEquals(0, client.awaitExit(STEP), "the client's exit code" + client.tail());
        byte[] echoed = client.stdoutBytes();
        assertEquals(bytes, echoed.length, "bytes echoed");
        assertEquals(HexFormat.of().formatHex(sent.digest()), Program.sha256(echoed), "SHA-256 of the echo");
        assertEquals(1, client.count(EchoAcrossCutsTest.RESUMED), "one resume" + client.tail());
        assertTrue(server.stderrLines().stream().anyMatch(
            l -> l.contains(EchoAcrossCutsTest.RESUMED) && l.contains(NetnsLab.CLIENT_NEW_ADDRESS)),
            "the server's rock resumed with a connection from " + NetnsLab.CLIENT_NEW_ADDRESS + server.tail());
        assertEquals(0, client.count("EXCEPTION") + server.count("EXCEPTION"), client.tail() + server.tail());
      }
    }
  }

  /** Waits until the client has written {@code bytes} echoed bytes to stdout. */
  private static void awaitEchoed(Program client, long bytes) throws Exception {
    io.rocks.testkit.Await.until(STEP, () -> "the echo of " + bytes + " bytes (have " + client.stdoutBytes().length + ")",
        () -> client.stdoutBytes().length >= bytes);
  }

  private static int send(OutputStream stdin, MessageDigest digest, SplittableRandom random, int size) throws Exception {
    byte[] chunk = new byte[size];
    random.nextBytes(chunk);
    stdin.write(chunk);
    stdin.flush();
    digest.update(chunk);
    return size;
  }
}
