package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import eu.rekawek.toxiproxy.Proxy;
import io.rocks.chaos.Toxi;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Timeout;

/**
 * An unmodified echo server and a netcat-like client, each run with only {@code -javaagent} added,
 * talk through Toxiproxy while the proxy drops every connection 100 times (disabled, then enabled
 * again). Both programs' sockets are rocks (the client's detection finds the server's rocks server
 * socket); neither program sees an exception, every byte comes back once, and each side resumed
 * exactly once per cut. On Java 21 and on the JDK running the tests.
 */
class EchoAcrossCutsTest {
  private static final int CUTS = 100;
  private static final Duration STEP = Duration.ofSeconds(30);
  static final String RESUMED = " resumed with ";

  @ParameterizedTest(name = "on Java {0}")
  @MethodSource("io.rocks.agenttests.Jdks#versions")
  @Timeout(300)
  void anEchoSessionOfTwoUnmodifiedProgramsCarriesOnAcrossAHundredCuts(int feature) throws Exception {
    Path home = Jdks.home(feature);
    try (Proxies proxies = Proxies.start("echo-cuts-" + feature);
        Program server = Program.start("echo-server-" + feature, home, Program.agent(null), "EchoServer", "127.0.0.1", "0")) {
      int port = Integer.parseInt(server.awaitFirstLine(STEP).split(" ")[1]);
      Proxy proxy = proxies.toxi.createProxy("echo", new InetSocketAddress("127.0.0.1", port));
      InetSocketAddress via = Toxi.listenAddress(proxy);
      try (Program client = Program.start("stream-client-" + feature, home, Program.agent(null), "StreamClient",
          via.getAddress().getHostAddress(), String.valueOf(via.getPort()))) {
        client.awaitCount("is a rocks server", 1, STEP);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(20261207);
        OutputStream stdin = client.stdin();
        long sentBytes = 0;
        for (int cut = 1; cut <= CUTS; cut++) {
          sentBytes += send(stdin, sent, random);
          proxies.toxi.disable(proxy);
          proxies.toxi.enable(proxy);
          client.awaitCount(RESUMED, cut, STEP);
          server.awaitCount(RESUMED, cut, STEP);
        }
        sentBytes += send(stdin, sent, random);
        stdin.close();

        assertEquals(0, client.awaitExit(STEP), "the client's exit code" + client.tail());
        byte[] echoed = client.stdoutBytes();
        assertEquals(sentBytes, echoed.length, "bytes echoed");
        assertEquals(HexFormat.of().formatHex(sent.digest()), Program.sha256(echoed), "SHA-256 of the echo");
        assertEquals(CUTS, client.count(RESUMED), "the client's rock resumed once per cut" + client.tail());
        assertEquals(CUTS, server.count(RESUMED), "the server's rock resumed once per cut" + server.tail());
        assertEquals(0, client.count("EXCEPTION"), "exceptions the client saw" + client.tail());
        assertEquals(0, server.count("EXCEPTION"), "exceptions the server saw" + server.tail());
        System.out.printf("echo on Java %d across %d cuts: %d bytes, client and server resumed %d times each%n",
            feature, CUTS, sentBytes, client.count(RESUMED));
      }
    }
  }

  /** Writes 64 to 192 KiB of random bytes to the client's stdin; returns how many. */
  private static int send(OutputStream stdin, MessageDigest digest, SplittableRandom random) throws Exception {
    byte[] chunk = new byte[65536 + random.nextInt(131072)];
    random.nextBytes(chunk);
    stdin.write(chunk);
    stdin.flush();
    digest.update(chunk);
    return chunk.length;
  }
}
