package io.rocks.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
import io.rocks.testkit.Transfer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway, tunnel and cat on loopback, in-process: bytes carried exactly, and the exit codes
 * and one-line messages for an unreachable gateway, a refused target, an unreachable target and a
 * reconnect timeout.
 */
@Timeout(60)
class LoopbackTest {
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private Cli.EchoServer echo;
  private Gateway gateway;
  private Tunnel tunnel;

  @BeforeEach
  void startEchoAndGateway() throws Exception {
    echo = new Cli.EchoServer();
    gateway = gateway(Cli.quickOptions().toBuilder().reconnectTimeout(Duration.ofSeconds(3)).build(),
        Endpoint.parse(Cli.loopback(echo.port())));
  }

  @AfterEach
  void stopAll() throws IOException {
    if (tunnel != null) {
      tunnel.close();
    }
    gateway.close();
    echo.close();
    threads.shutdownNow();
  }

  private static Gateway gateway(RockOptions options, Endpoint... allowed) throws CliException {
    Gateway g = new Gateway(Endpoint.parseListen("127.0.0.1:0"), List.of(allowed), options, new Display.Log());
    g.start();
    return g;
  }

  private String gatewayAddress() {
    return Cli.loopback(gateway.address().getPort());
  }

  @Test
  void tunnelCarriesBytesExactlyBothWaysWithHalfClose() throws Exception {
    tunnel = new Tunnel(Endpoint.parseListen("127.0.0.1:0"), Endpoint.parse(gatewayAddress()),
        Endpoint.parse(Cli.loopback(echo.port())), Cli.quickOptions(), new Display.Log());
    tunnel.start();
    long bytes = 8L * 1024 * 1024;
    try (Socket client = new Socket(Cli.LOOPBACK, tunnel.localAddress().getPort())) {
      Future<Transfer.Digest> sent = threads.submit(() -> {
        Transfer.Digest digest = Transfer.send(client.getOutputStream(), bytes, 42, 64 * 1024, new AtomicLong());
        client.shutdownOutput();
        return digest;
      });
      Transfer.Digest received = Transfer.receive(client.getInputStream(), new AtomicLong());
      assertEquals(sent.get(30, TimeUnit.SECONDS), received);
      assertEquals(bytes, received.bytes());
    }
    Await.until(Duration.ofSeconds(10), "the tunnel's connection closed", () -> tunnel.links().summary().openConnections() == 0);
    Links.Summary summary = tunnel.links().summary();
    assertEquals(1, summary.carriedConnections());
    assertTrue(summary.bytesReceived() >= bytes, "down " + summary.bytesReceived());
    Await.until(Duration.ofSeconds(10), "a round-trip time measured", () -> tunnel.rtt() != null);
    String status = tunnel.statusLine();
    assertTrue(status.startsWith("CONNECTED  0 conns  up 8.00 MiB  down 8.00 MiB  rtt "), status);
    assertTrue(status.endsWith("suspended -  suspensions 0"), status);
  }

  @Test
  void catThroughTheGatewayToAnAllowedTarget() {
    byte[] input = new byte[300_000];
    new Random(7).nextBytes(input);
    Cli.Result result = Cli.run(new ByteArrayInputStream(input), "cat", "--to", Cli.loopback(echo.port()), gatewayAddress());
    assertEquals(ExitCode.OK, result.exit(), result::toString);
    assertArrayEquals(input, result.outBytes());
  }

  @Test
  void catPairListensAndConnects() throws Exception {
    int port = Cli.closedPort();
    byte[] input = new byte[1_000_000];
    new Random(8).nextBytes(input);
    Future<Cli.Result> listener = threads.submit(() -> Cli.run("cat", "--listen", Cli.loopback(port)));
    // The listener binds in its own time: retry the connecting side until it is there.
    Cli.Result[] connector = new Cli.Result[1];
    Await.until(Duration.ofSeconds(20), "cat connected to cat --listen", () -> {
      connector[0] = Cli.run(new ByteArrayInputStream(input), "cat", Cli.loopback(port));
      return connector[0].exit() != ExitCode.UNREACHABLE_GATEWAY;
    });
    assertEquals(ExitCode.OK, connector[0].exit(), connector[0]::toString);
    Cli.Result received = listener.get(30, TimeUnit.SECONDS);
    assertEquals(ExitCode.OK, received.exit(), received::toString);
    assertArrayEquals(input, received.outBytes());
  }

  @Test
  void unreachableGatewayExitsWithFour() throws Exception {
    String nowhere = Cli.loopback(Cli.closedPort());
    Cli.Result cat = Cli.run("cat", nowhere);
    assertEquals(ExitCode.UNREACHABLE_GATEWAY, cat.exit(), cat::toString);
    ArgumentsTest.assertOneLine(cat.err(), "rocks: error: cannot reach gateway " + nowhere + ": Connection refused");

    Cli.Result tunnelRun = Cli.run("tunnel", "--local", "127.0.0.1:0", "--via", nowhere, "--to", Cli.loopback(echo.port()));
    assertEquals(ExitCode.UNREACHABLE_GATEWAY, tunnelRun.exit(), tunnelRun::toString);
    ArgumentsTest.assertOneLine(tunnelRun.err(), "rocks: error: cannot reach gateway " + nowhere);

    Cli.Result unresolvable = Cli.run("cat", "no-such-host.invalid:7000");
    assertEquals(ExitCode.UNREACHABLE_GATEWAY, unresolvable.exit(), unresolvable::toString);
    ArgumentsTest.assertOneLine(unresolvable.err(), "cannot resolve host name no-such-host.invalid");
  }

  @Test
  void aServerThatIsNotAGatewayExitsWithFour() throws Exception {
    // A plain echo server answers the rock's hello with itself: not a rocks gateway.
    String options = "rocks { handshake-timeout = 1 s, connect-timeout = 1 s }";
    Path config = Files.createTempFile("rocks", ".conf");
    try {
      Files.writeString(config, options);
      Cli.Result cat = Cli.run("cat", "--config", config.toString(), "--to", "db:5432", Cli.loopback(echo.port()));
      assertEquals(ExitCode.UNREACHABLE_GATEWAY, cat.exit(), cat::toString);
      ArgumentsTest.assertOneLine(cat.err(), "is it a rocks gateway, started with rocks serve?");
    } finally {
      Files.deleteIfExists(config);
    }
  }

  @Test
  void refusedTargetExitsWithFiveAndTheGatewaySaysWhy() {
    Cli.Result tunnelRun = Cli.run("tunnel", "--local", "127.0.0.1:0", "--via", gatewayAddress(), "--to", "127.0.0.1:1");
    assertEquals(ExitCode.REFUSED, tunnelRun.exit(), tunnelRun::toString);
    ArgumentsTest.assertOneLine(tunnelRun.err(), "rocks: error: gateway " + gatewayAddress() + " refused 127.0.0.1:1: target"
        + " 127.0.0.1:1 is not allowed by this gateway (allowed: " + Cli.loopback(echo.port()) + ")");

    Cli.Result cat = Cli.run("cat", "--to", "LOCALHOST:" + echo.port(), gatewayAddress());
    assertEquals(ExitCode.REFUSED, cat.exit(), cat::toString);
    ArgumentsTest.assertOneLine(cat.err(), "refused localhost:" + echo.port());
  }

  @Test
  void allowedButUnreachableTargetExitsWithSix() throws Exception {
    Endpoint closed = Endpoint.parse(Cli.loopback(Cli.closedPort()));
    try (Gateway second = gateway(Cli.quickOptions(), closed)) {
      Cli.Result cat = Cli.run("cat", "--to", closed.toString(), Cli.loopback(second.address().getPort()));
      assertEquals(ExitCode.UNREACHABLE_TARGET, cat.exit(), cat::toString);
      ArgumentsTest.assertOneLine(cat.err(), "cannot reach " + closed + ": cannot connect to " + closed + ": Connection refused");
    }
  }

  @Test
  void localPortInUseExitsWithOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, Cli.LOOPBACK)) {
      Cli.Result result = Cli.run("tunnel", "--local", Cli.loopback(taken.getLocalPort()), "--via", gatewayAddress(),
          "--to", Cli.loopback(echo.port()));
      assertEquals(ExitCode.ERROR, result.exit(), result::toString);
      ArgumentsTest.assertOneLine(result.err(), "rocks: error: cannot listen on " + Cli.loopback(taken.getLocalPort()));
    }
  }

  @Test
  void catReconnectTimeoutExitsWithSeven(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("short.conf");
    Files.writeString(config, "rocks { heartbeat-interval = 200 ms, reconnect-timeout = 1 s,"
        + " backoff { initial = 20 ms, cap = 200 ms } }\n");
    Pipe stdin = Pipe.open();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (FaultRelay relay = new FaultRelay(gateway.address());
        OutputStream typing = Channels.newOutputStream(stdin.sink())) {
      RocksCommand.Io io = new RocksCommand.Io(Channels.newInputStream(stdin.source()),
          new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false, false);
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> RocksCommand.execute(io, "cat", "--config",
          config.toString(), "--to", Cli.loopback(echo.port()), Cli.loopback(relay.address().getPort())), threads);
      typing.write("hello\n".getBytes(StandardCharsets.UTF_8));
      typing.flush();
      Await.until(Duration.ofSeconds(10), "the echo came back", () -> out.toString(StandardCharsets.UTF_8).equals("hello\n"));
      relay.cutSilently();
      int code = exit.get(20, TimeUnit.SECONDS);
      String message = err.toString(StandardCharsets.UTF_8);
      assertEquals(ExitCode.RECONNECT_TIMEOUT, code, message);
      ArgumentsTest.assertOneLine(message, "rocks: error: link to " + Cli.loopback(relay.address().getPort())
          + " was down longer than the reconnect timeout (1.0 s)");
      // The rock's own message names the peer as host:port too, not InetSocketAddress's /host:port.
      String relayAddress = Pattern.quote(Cli.loopback(relay.address().getPort()));
      assertTrue(message.strip().matches("rocks: error: link to " + relayAddress + " was down longer than the"
          + " reconnect timeout \\(1\\.0 s\\): rock [0-9a-f]{32} to " + relayAddress + " gave up after \\d+ ms"
          + " suspended and \\d+ reconnection attempt\\(s\\); raise the reconnect timeout if outages last longer"),
          message);
    }
  }

  @Test
  void gatewaySaysItsOwnReconnectTimeoutEndedARock() throws Exception {
    Cli.RecordingDisplay said = new Cli.RecordingDisplay();
    String ending = "WARN rock #2 from \\S+ -> \\S+: (the rock failed|ended by)\\b.*";
    Endpoint target = Endpoint.parse(Cli.loopback(echo.port()));
    RockOptions gatewayOptions = Cli.quickOptions().toBuilder().reconnectTimeout(Duration.ofSeconds(1)).build();
    try (Gateway timing = new Gateway(Endpoint.parseListen("127.0.0.1:0"), List.of(target), gatewayOptions, said)) {
      timing.start();
      try (FaultRelay relay = new FaultRelay(timing.address())) {
        // The tunnel side would wait a day: the gateway's own timeout is what ends the rock.
        tunnel = new Tunnel(Endpoint.parseListen("127.0.0.1:0"), Endpoint.parse(Cli.loopback(relay.address().getPort())),
            target, Cli.quickOptions().toBuilder().reconnectTimeout(Duration.ofDays(1)).build(), new Display.Log());
        tunnel.start();
        try (Socket client = new Socket(Cli.LOOPBACK, tunnel.localAddress().getPort())) {
          client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
          assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), client.getInputStream().readNBytes(4));
          relay.cutSilently();
          Await.until(Duration.ofSeconds(15), () -> "the gateway said why the rock ended: " + said.lines,
              () -> !said.matching(ending).isEmpty());
        }
      }
    }
    List<String> ended = said.matching(ending);
    assertEquals(1, ended.size(), said.lines::toString);
    assertTrue(ended.get(0).matches("WARN rock #2 from 127\\.0\\.0\\.1:\\d+ -> " + Pattern.quote(target.toString())
        + ": the rock failed: the link to the tunnel was down longer than the reconnect timeout \\(1\\.0 s\\);"
        + " the target connection was reset"), ended.get(0));
  }

  @Test
  void gatewayNamesAClientThatMovedByItsNewAddress() throws Exception {
    Cli.RecordingDisplay said = new Cli.RecordingDisplay();
    Endpoint target = Endpoint.parse(Cli.loopback(echo.port()));
    try (Gateway watching = new Gateway(Endpoint.parseListen("127.0.0.1:0"), List.of(target), Cli.quickOptions(), said)) {
      watching.start();
      try (FaultRelay relay = new FaultRelay(watching.address())) {
        tunnel = new Tunnel(Endpoint.parseListen("127.0.0.1:0"), Endpoint.parse(Cli.loopback(relay.address().getPort())),
            target, Cli.quickOptions(), new Display.Log());
        tunnel.start();
        try (Socket client = new Socket(Cli.LOOPBACK, tunnel.localAddress().getPort())) {
          client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
          assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), client.getInputStream().readNBytes(4));
          // The relay's next connection to the gateway comes from a new port: the client moved.
          relay.reset();
          String resumed = "DETAIL rock #2 from 127\\.0\\.0\\.1:(\\d+) \\(first seen from 127\\.0\\.0\\.1:(\\d+)\\) -> "
              + Pattern.quote(target.toString()) + ": resumed after .*";
          Await.until(Duration.ofSeconds(15), () -> "the gateway saw the carried rock resume: " + said.lines,
              () -> !said.matching(resumed).isEmpty());
          Matcher moved = Pattern.compile(resumed).matcher(said.matching(resumed).get(0));
          assertTrue(moved.matches());
          assertTrue(!moved.group(1).equals(moved.group(2)), moved.group(0));
          assertEquals(List.of("INFO rock #2 from 127.0.0.1:" + moved.group(2) + ": connected to " + target),
              said.matching("INFO rock #2 from .*: connected to .*"));
          // A gateway's log does not grow with its clients' link events: the suspension and the
          // resumption are details (shown with --verbose), the connection itself is logged.
          assertEquals(List.of("INFO rock #2 from 127.0.0.1:" + moved.group(2) + ": connected to " + target),
              said.matching("(INFO|WARN) rock #2 .*"), said.lines::toString);
          assertEquals(1, said.matching("DETAIL rock #2 .*: link to \\S+ lost \\(.*\\); suspended, waiting for the peer").size(),
              said.lines::toString);
        }
      }
    }
  }

  @Test
  void tunnelStatusSaysWhenOnlyTheControlLinkIsSuspended() throws Exception {
    try (FaultRelay relay = new FaultRelay(gateway.address())) {
      tunnel = new Tunnel(Endpoint.parseListen("127.0.0.1:0"), Endpoint.parse(Cli.loopback(relay.address().getPort())),
          Endpoint.parse(Cli.loopback(echo.port())), Cli.quickOptions(), new Display.Log());
      tunnel.start();
      relay.cutSilently();
      Await.until(Duration.ofSeconds(10), "the control link suspended",
          () -> tunnel.links().summary().state().equals("SUSPENDED"));
      String status = tunnel.statusLine();
      assertTrue(status.matches("SUSPENDED  0 conns  up 0 B  down 0 B  rtt n/a  suspended [0-9.]+ m?s"
          + " \\(control link(, \\d+ attempts?)?\\)  suspensions 0 \\(\\+1 control\\)"), status);
    }
  }

  @Test
  void tunnelResetsTheClientWhenTheRockTimesOut() throws Exception {
    try (FaultRelay relay = new FaultRelay(gateway.address())) {
      RockOptions options = Cli.quickOptions().toBuilder().reconnectTimeout(Duration.ofSeconds(1)).build();
      tunnel = new Tunnel(Endpoint.parseListen("127.0.0.1:0"), Endpoint.parse(Cli.loopback(relay.address().getPort())),
          Endpoint.parse(Cli.loopback(echo.port())), options, new Display.Log());
      tunnel.start();
      try (Socket client = new Socket(Cli.LOOPBACK, tunnel.localAddress().getPort())) {
        client.setSoTimeout(20_000);
        OutputStream out = client.getOutputStream();
        InputStream in = client.getInputStream();
        out.write("ping".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), in.readNBytes(4));
        relay.cutSilently();
        Await.until(Duration.ofSeconds(10), "the tunnel saw the link suspended",
            () -> tunnel.links().summary().state().equals("SUSPENDED"));
        assertTrue(tunnel.statusLine().startsWith("SUSPENDED "), tunnel.statusLine());
        assertTrue(tunnel.statusLine().contains("rtt n/a"), tunnel.statusLine());
        // The rock gives up after its 1 s reconnect timeout; the client gets a reset, not an end of stream.
        SocketException reset = assertThrows(SocketException.class, () -> in.read());
        assertTrue(reset.getMessage().toLowerCase().contains("reset"), reset.toString());
      }
      Await.until(Duration.ofSeconds(10), "the tunnel dropped the failed connection",
          () -> tunnel.links().summary().openConnections() == 0);
    }
  }
}
