package io.rocks.chaos;

import static io.rocks.chaos.ProxiedRocks.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rocks.RockOptions;
import io.rocks.testkit.Await;
import io.rocks.testkit.Transfer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real IP-address change and real link loss, which Toxiproxy cannot make: the client host and the
 * server host live in two network namespaces made for the test, joined by a veth pair, each end a
 * JVM of its own ({@link NetnsPeer}). Each test moves 16 MiB both ways at once and checks the SHA-256
 * of each direction.
 *
 * <p>These tests need root and the {@code ip} command; without them they are skipped with the
 * reason printed, unless {@code ROCKS_CHAOS_REQUIRE_NETNS} is set (as CI should), which turns the
 * skip into a failure.
 */
@ExtendWith(ChaosReport.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetnsChaosTest {
  static final long BYTES = 16 * MIB;
  /** The peers run with the defaults; the bounds derive from them. */
  static final RockOptions OPTIONS = RockOptions.defaults();
  /** A second address of the client's interface, which its rock never uses. */
  private static final String UNRELATED_ADDRESS = "10.213.0.9";
  static final Duration START_LIMIT = Duration.ofSeconds(30);
  static final Duration TRANSFER_LIMIT = Duration.ofMinutes(2);

  private NetnsLab lab;
  private PeerProcess server;
  private PeerProcess client;
  private int serverPort;

  @Test
  @Order(1)
  @DisplayName("netns: client address changes mid-transfer")
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void addressChange(Scenario scenario) throws Exception {
    startPeers();
    long checkpoint = 4 * MIB;
    allowBoth(checkpoint);
    awaitRead(checkpoint);
    assertEquals(NetnsLab.CLIENT_ADDRESS, host(client.status().get("local")), "the client's first address");

    long injectedAt = System.nanoTime();
    lab.ip("-n", lab.clientNs, "addr", "del", NetnsLab.CLIENT_ADDRESS + "/" + NetnsLab.PREFIX, "dev", NetnsLab.CLIENT_DEV);
    lab.ip("-n", lab.clientNs, "addr", "add", NetnsLab.CLIENT_NEW_ADDRESS + "/" + NetnsLab.PREFIX, "dev", NetnsLab.CLIENT_DEV);
    scenario.failureInjected();
    // Let the senders write into the dead connection, but stop short of the end, so the resumed
    // connection is still open when the server's side of it is inspected.
    allowBoth(2 * checkpoint);

    PeerProcess.Event suspended = client.awaitEvent(detectionBound().plusSeconds(10), "suspended", 0);
    Duration detection = Duration.ofNanos(suspended.atNanos() - injectedAt);
    scenario.detected(detection);
    assertTrue(
        detection.compareTo(detectionBound()) <= 0,
        "the client noticed the dead connection after " + detection.toMillis() + " ms: " + suspended.detail());
    PeerProcess.Event resumed = client.awaitEvent(resumeBound().plusSeconds(10), "resumed", 0);
    // The new address was in place before the loss was noticed: resume counts from the suspension.
    Duration resume = Duration.ofNanos(resumed.atNanos() - suspended.atNanos());
    scenario.resumed(resume);
    assertTrue(resume.compareTo(resumeBound()) <= 0, "resumed " + resume.toMillis() + " ms after suspending");

    client.awaitStatus(
        Duration.ofSeconds(10),
        "the rock connected from the new address",
        s -> "CONNECTED".equals(s.get("state")) && NetnsLab.CLIENT_NEW_ADDRESS.equals(host(s.get("local"))));
    // The server host sees the rock's connection come from the new address, and none from the old.
    Await.until(
        Duration.ofSeconds(10),
        "the server host has an established connection from " + NetnsLab.CLIENT_NEW_ADDRESS,
        () -> serverConnections().stream().anyMatch(line -> line.contains(NetnsLab.CLIENT_NEW_ADDRESS)));
    List<String> connections = serverConnections();
    assertTrue(
        connections.stream().noneMatch(line -> line.contains(NetnsLab.CLIENT_ADDRESS + "]") || line.contains(NetnsLab.CLIENT_ADDRESS + ":")),
        "no connection from the old address is left on the server host: " + connections);

    allowBoth(BYTES);
    Map<String, Map<String, String>> results = verifyTransfer(scenario, 1);
    assertEquals(NetnsLab.CLIENT_NEW_ADDRESS, host(results.get("client").get("local")));
    String serverPeer = results.get("server").get("peer");
    scenario.note("suspend cause: " + suspended.detail() + "; server rock's peer() at the end: " + serverPeer);
    // Rock.peer() is "the address the peer was last reached at": after the resume, the server
    // reached its peer at the new address (the server host's own connection table says so above).
    assertEquals(
        NetnsLab.CLIENT_NEW_ADDRESS,
        host(serverPeer),
        "the server rock's peer() after the client resumed from " + NetnsLab.CLIENT_NEW_ADDRESS
            + " (server host's connections: " + connections + ")");
  }

  @Test
  @Order(2)
  @DisplayName("netns: client link down for 10 s mid-transfer")
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void linkDown(Scenario scenario) throws Exception {
    startPeers();
    long checkpoint = 4 * MIB;
    allowBoth(checkpoint);
    awaitRead(checkpoint);

    long injectedAt = System.nanoTime();
    lab.ip("-n", lab.clientNs, "link", "set", NetnsLab.CLIENT_DEV, "down");
    scenario.failureInjected();
    allowBoth(BYTES);

    PeerProcess.Event suspended = client.awaitEvent(detectionBound().plusSeconds(10), "suspended", 0);
    Duration detection = Duration.ofNanos(suspended.atNanos() - injectedAt);
    scenario.detected(detection);
    assertTrue(
        detection.compareTo(detectionBound()) <= 0,
        "the client noticed the link loss after " + detection.toMillis() + " ms: " + suspended.detail());
    server.awaitEvent(detectionBound().plusSeconds(10), "suspended", 0);
    // An event is reported the moment it happens, the status only every 50 ms: wait for the status
    // to catch up with the events before holding it to them.
    client.awaitStatus(Duration.ofSeconds(10), "client status SUSPENDED", s -> "SUSPENDED".equals(s.get("state")));
    server.awaitStatus(Duration.ofSeconds(10), "server status SUSPENDED", s -> "SUSPENDED".equals(s.get("state")));

    Hold.during(
        Duration.ofSeconds(10).minusNanos(System.nanoTime() - injectedAt),
        "both rocks stay suspended while the link is down",
        () -> {
          String clientState = client.status().get("state");
          String serverState = server.status().get("state");
          if ("SUSPENDED".equals(clientState) && "SUSPENDED".equals(serverState)) {
            return true;
          }
          throw new AssertionError(
              "while the link is down the client is " + clientState + " and the server " + serverState
                  + "; client: " + client.status() + "; server: " + server.status());
        });
    long healedAt = System.nanoTime();
    lab.ip("-n", lab.clientNs, "link", "set", NetnsLab.CLIENT_DEV, "up");

    PeerProcess.Event resumed = client.awaitEvent(resumeBound().plusSeconds(10), "resumed", 0);
    Duration resume = Duration.ofNanos(resumed.atNanos() - healedAt);
    scenario.resumed(resume);
    assertTrue(resume.compareTo(resumeBound()) <= 0, "resumed " + resume.toMillis() + " ms after the link came up");

    verifyTransfer(scenario, 1);
    List<PeerProcess.Event> attempts = client.events("attempt-failed");
    assertTrue(!attempts.isEmpty(), "the client kept trying to reconnect while the link was down");
    scenario.note(
        "suspend cause: " + suspended.detail() + "; " + attempts.size() + " failed attempts while down, last: "
            + attempts.get(attempts.size() - 1).detail());
  }

  /**
   * An idle client whose address goes away notices at once: the host no longer has the address its
   * connection is bound to, so no heartbeat needs to fall silent first (the heartbeats alone take
   * three intervals, 1.5 s, of silence).
   */
  @Test
  @Order(3)
  @DisplayName("netns: idle client's address goes away, noticed at once")
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void idleClientsAddressGoesAway(Scenario scenario) throws Exception {
    startPeers();
    long checkpoint = 4 * MIB;
    allowBoth(checkpoint);
    awaitRead(checkpoint); // then nothing more is written: the rock is idle, only heartbeats flow

    // Changes that leave the rock's own address alone disturb nothing: another address on the same
    // interface, and a whole interface with an address of its own, come and go.
    lab.ip("-n", lab.clientNs, "addr", "add", UNRELATED_ADDRESS + "/" + NetnsLab.PREFIX, "dev", NetnsLab.CLIENT_DEV);
    lab.ip("-n", lab.clientNs, "link", "add", "rocks-u0", "type", "veth", "peer", "name", "rocks-u1");
    lab.ip("-n", lab.clientNs, "addr", "add", "10.214.0.1/24", "dev", "rocks-u0");
    lab.ip("-n", lab.clientNs, "link", "set", "rocks-u0", "up");
    lab.ip("-n", lab.clientNs, "link", "set", "rocks-u1", "up");
    Hold.during(Duration.ofMillis(500), "no suspension while unrelated addresses come",
        () -> client.events("suspended").isEmpty());
    lab.ip("-n", lab.clientNs, "addr", "del", UNRELATED_ADDRESS + "/" + NetnsLab.PREFIX, "dev", NetnsLab.CLIENT_DEV);
    lab.ip("-n", lab.clientNs, "link", "del", "rocks-u0"); // and its peer with it
    Hold.during(Duration.ofMillis(500), "no suspension while unrelated addresses go",
        () -> client.events("suspended").isEmpty());

    long injectedAt = System.nanoTime();
    lab.ip("-n", lab.clientNs, "addr", "del", NetnsLab.CLIENT_ADDRESS + "/" + NetnsLab.PREFIX, "dev", NetnsLab.CLIENT_DEV);
    scenario.failureInjected();
    PeerProcess.Event suspended = client.awaitEvent(detectionBound().plusSeconds(10), "suspended", 0);
    Duration detection = Duration.ofNanos(suspended.atNanos() - injectedAt);
    scenario.detected(detection);
    assertTrue(
        suspended.detail().contains("the local address " + NetnsLab.CLIENT_ADDRESS + " went away"),
        "the client suspended because its address went away: " + suspended.detail());
    // The address is checked every 100 ms; silent heartbeats would take the whole detection time.
    Duration heartbeats = OPTIONS.failureDetectionTime();
    assertTrue(detection.compareTo(heartbeats.minusMillis(500)) < 0,
        "the client noticed its address gone after " + detection.toMillis() + " ms (heartbeats: " + heartbeats.toMillis() + " ms)");

    lab.ip("-n", lab.clientNs, "addr", "add", NetnsLab.CLIENT_NEW_ADDRESS + "/" + NetnsLab.PREFIX, "dev", NetnsLab.CLIENT_DEV);
    long movedAt = System.nanoTime();
    PeerProcess.Event resumed = client.awaitEvent(resumeBound().plusSeconds(10), "resumed", 0);
    Duration resume = Duration.ofNanos(Math.max(0, resumed.atNanos() - movedAt));
    scenario.resumed(resume);
    assertTrue(resume.compareTo(resumeBound()) <= 0, "resumed " + resume.toMillis() + " ms after the new address came");
    client.awaitStatus(
        Duration.ofSeconds(10),
        "the rock connected from the new address",
        s -> "CONNECTED".equals(s.get("state")) && NetnsLab.CLIENT_NEW_ADDRESS.equals(host(s.get("local"))));

    allowBoth(BYTES);
    verifyTransfer(scenario, 1);
    scenario.note("suspend cause: " + suspended.detail() + "; noticed after " + detection.toMillis() + " ms");
  }

  @AfterEach
  void cleanUp() throws Exception {
    Exception first = null;
    for (AutoCloseable closeable : new AutoCloseable[] {client, server, lab}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    if (lab != null) {
      List<String> left = lab.namespaces("rocks-");
      assertTrue(
          !left.contains(lab.clientNs) && !left.contains(lab.serverNs),
          "the test's namespaces were removed: " + left);
    }
    if (first != null) {
      throw first;
    }
  }

  // ---------------------------------------------------------------- helpers

  private void startPeers() throws Exception {
    Optional<String> unavailable = NetnsLab.unavailableReason();
    if (unavailable.isPresent()) {
      String reason = "network namespace tests need root and the 'ip' command: " + unavailable.get();
      if (System.getenv("ROCKS_CHAOS_REQUIRE_NETNS") != null) {
        fail(reason + " (ROCKS_CHAOS_REQUIRE_NETNS is set, so this may not be skipped)");
      }
      System.out.println("[chaos] SKIPPED " + reason);
      Assumptions.abort(reason);
    }
    lab = NetnsLab.create();
    server =
        PeerProcess.start(
            "server", lab.execPrefix(lab.serverNs), "server", NetnsLab.SERVER_ADDRESS, "0", Long.toString(BYTES));
    serverPort = server.awaitListening(START_LIMIT);
    client =
        PeerProcess.start(
            "client",
            lab.execPrefix(lab.clientNs),
            "client",
            NetnsLab.SERVER_ADDRESS,
            Integer.toString(serverPort),
            Long.toString(BYTES));
    client.awaitStatus(START_LIMIT, "connected", s -> "CONNECTED".equals(s.get("state")));
    server.awaitStatus(START_LIMIT, "connected", s -> "CONNECTED".equals(s.get("state")));
  }

  private void allowBoth(long bytes) throws Exception {
    client.command("ALLOW " + bytes);
    server.command("ALLOW " + bytes);
  }

  private void awaitRead(long bytes) throws Exception {
    client.awaitStatus(TRANSFER_LIMIT, "read " + bytes + " bytes", s -> Long.parseLong(s.getOrDefault("read", "0")) >= bytes);
    server.awaitStatus(TRANSFER_LIMIT, "read " + bytes + " bytes", s -> Long.parseLong(s.getOrDefault("read", "0")) >= bytes);
  }

  /** The established TCP connections to the server's port, as the server host lists them. */
  private List<String> serverConnections() {
    try {
      String out = lab.exec(lab.serverNs, "ss", "-Htn", "state", "established", "( sport = :" + serverPort + " )");
      return out.lines().filter(line -> !line.isBlank()).toList();
    } catch (Exception e) {
      throw new AssertionError("listing the server host's connections: " + e.getMessage(), e);
    }
  }

  /**
   * Waits for both results and checks each side received exactly what the other sent (byte count
   * and SHA-256), both rocks closed in order with everything acknowledged, and each side counted
   * {@code faults} suspensions.
   */
  private Map<String, Map<String, String>> verifyTransfer(Scenario scenario, int faults) throws Exception {
    Map<String, String> clientResult = client.awaitResult(TRANSFER_LIMIT);
    Map<String, String> serverResult = server.awaitResult(TRANSFER_LIMIT);
    Transfer.Digest toServer = Transfer.expected(BYTES, ProxiedRocks.CLIENT_SEED, ProxiedRocks.CHUNK_BYTES);
    Transfer.Digest toClient = Transfer.expected(BYTES, ProxiedRocks.SERVER_SEED, ProxiedRocks.CHUNK_BYTES);
    scenario.bytes(bytesOf(serverResult.get("received")), bytesOf(clientResult.get("received")));
    assertEquals(toServer.bytes() + ":" + toServer.sha256(), clientResult.get("sent"), "what the client sent");
    assertEquals(toClient.bytes() + ":" + toClient.sha256(), serverResult.get("sent"), "what the server sent");
    assertEquals(toServer.bytes() + ":" + toServer.sha256(), serverResult.get("received"), "what the server received");
    assertEquals(toClient.bytes() + ":" + toClient.sha256(), clientResult.get("received"), "what the client received");
    for (Map<String, String> result : List.of(clientResult, serverResult)) {
      assertEquals("CLOSED", result.get("state"), "closed in order: " + result);
      assertEquals(Long.toString(BYTES), result.get("acked"), "everything acknowledged: " + result);
    }
    assertEquals(clientResult.get("id"), serverResult.get("id"), "one rock");
    assertEquals(Integer.toString(faults), clientResult.get("suspensions"), "client suspensions");
    assertEquals(Integer.toString(faults), serverResult.get("suspensions"), "server suspensions");
    return Map.of("client", clientResult, "server", serverResult);
  }

  private static long bytesOf(String digest) {
    return digest == null ? 0 : Long.parseLong(digest.substring(0, digest.indexOf(':')));
  }

  private static String host(String hostAndPort) {
    if (hostAndPort == null) {
      return null;
    }
    int colon = hostAndPort.lastIndexOf(':');
    return colon < 0 ? hostAndPort : hostAndPort.substring(0, colon);
  }

  private static Duration detectionBound() {
    return OPTIONS.failureDetectionTime().plus(Duration.ofSeconds(3));
  }

  private static Duration resumeBound() {
    return OPTIONS.backoffCap().plus(OPTIONS.handshakeTimeout()).plus(Duration.ofSeconds(3));
  }
}
