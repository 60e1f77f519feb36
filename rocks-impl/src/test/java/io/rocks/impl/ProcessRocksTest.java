package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rock;
import io.rocks.RockId;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockRefusal;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.RocksMonitor;
import io.rocks.RocksTotals;
import io.rocks.impl.rock.ProcessRocks;
import io.rocks.impl.wire.Wire;
import io.rocks.testkit.Await;
import io.rocks.testkit.Transfer;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Rocks#monitor()}: rocks by state, totals that match the rocks' own counts exactly across a
 * cut, refusals by reason, and listeners of every rock. The monitor is process-wide, so this class
 * runs in a JVM of its own (rocks-impl's POM), where no other test's rocks are counted.
 */
public class ProcessRocksTest {
  private final RocksMonitor monitor = Rocks.monitor();
  private final Map<Rock, List<String>> eventsByRock = new ConcurrentHashMap<>();
  private final RockListener recorder =
      new RockListener() {
        @Override
        public void connected(Rock rock) {
          record(rock, "connected");
        }

        @Override
        public void suspended(Rock rock, Throwable cause) {
          record(rock, "suspended");
        }

        @Override
        public void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {
          record(rock, "resumed");
        }

        @Override
        public void closed(Rock rock) {
          record(rock, "closed");
        }

        @Override
        public void failed(Rock rock, Throwable cause) {
          record(rock, "failed");
        }
      };

  private void record(Rock rock, String event) {
    eventsByRock.computeIfAbsent(rock, r -> new CopyOnWriteArrayList<>()).add(event);
  }

  @BeforeEach
  void noRocksYet() throws Exception {
    // Rocks of an earlier test of this class end within their close; none may be left.
    Await.until(Duration.ofSeconds(30), () -> "no live rocks: " + monitor.rocksByState(),
        () -> monitor.rocksByState().values().stream().allMatch(n -> n == 0));
    monitor.addListener(recorder);
  }

  @AfterEach
  void removeRecorder() {
    monitor.removeListener(recorder);
  }

  @Test
  @Timeout(90)
  void totalsMatchTheRocksOwnCountsAcrossACutAndEveryRockIsHeard() throws Exception {
    RocksTotals before = monitor.totals();
    long clientToServer = 3 * 1024 * 1024 + 17;
    long serverToClient = 1024 * 1024 + 5;
    long clientSuspensions;
    long serverSuspensions;
    Rock clientRock;
    Rock serverRock;
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      clientRock = pair.client.rock();
      serverRock = pair.accepted.rock();
      Await.until(Duration.ofSeconds(10), () -> "both rocks CONNECTED: " + monitor.rocksByState(),
          () -> monitor.rocksByState().get(RockState.CONNECTED) == 2);
      assertEquals(byState(RockState.CONNECTED, 2), monitor.rocksByState());

      exchange(pair, clientToServer / 2, serverToClient / 2, 1);
      pair.relay.reset();
      Await.until(Duration.ofSeconds(30), "both rocks resumed after the reset",
          () -> pair.clientRock().stats().suspensions() >= 1
              && pair.serverRock().stats().suspensions() >= 1
              && pair.clientRock().state() == RockState.CONNECTED
              && pair.serverRock().state() == RockState.CONNECTED);
      exchange(pair, clientToServer - clientToServer / 2, serverToClient - serverToClient / 2, 2);
      // Every byte acknowledged before the pair ends (it aborts both rocks).
      Await.until(Duration.ofSeconds(10), () -> "all acknowledged: " + clientRock.stats() + " " + serverRock.stats(),
          () -> clientRock.stats().bytesAcknowledged() == clientToServer
              && serverRock.stats().bytesAcknowledged() == serverToClient);
      clientSuspensions = pair.clientRock().stats().suspensions();
      serverSuspensions = pair.serverRock().stats().suspensions();
    }
    Await.until(Duration.ofSeconds(30), () -> "both rocks ended: " + monitor.rocksByState(),
        () -> monitor.rocksByState().values().stream().allMatch(n -> n == 0));

    // Ended rocks are let go: the monitor holds no rock after its end.
    Await.until(Duration.ofSeconds(10), () -> "rocks held: " + ProcessRocks.INSTANCE.tracked(),
        () -> ProcessRocks.INSTANCE.tracked() == 0);
    RocksTotals after = monitor.totals();
    long both = clientToServer + serverToClient;
    assertEquals(2, after.established() - before.established(), "established");
    assertEquals(clientSuspensions + serverSuspensions, after.suspensions() - before.suspensions(), "suspensions");
    assertEquals(clientSuspensions + serverSuspensions, after.resumes() - before.resumes(), "resumes");
    assertEquals(2, after.closed() - before.closed(), "closed");
    assertEquals(0, after.failed() - before.failed(), "failed");
    assertEquals(both, after.bytesWritten() - before.bytesWritten(), "bytes written");
    assertEquals(both, after.bytesReceived() - before.bytesReceived(), "bytes received");
    assertEquals(both, after.bytesAcknowledged() - before.bytesAcknowledged(), "bytes acknowledged");

    // The listener of every rock heard each rock's whole life, in order.
    for (Rock rock : List.of(clientRock, serverRock)) {
      Await.until(Duration.ofSeconds(10), () -> "events of " + rock + ": " + eventsByRock.get(rock),
          () -> eventsByRock.getOrDefault(rock, List.of()).contains("closed"));
    }
    for (Rock rock : List.of(clientRock, serverRock)) {
      String id = rock == clientRock ? "the client rock" : "the server rock";
      List<String> events = eventsByRock.get(rock);
      assertEquals("connected", events.getFirst(), "first event of " + id);
      assertEquals("closed", events.getLast(), "last event of " + id);
      assertEquals(events.stream().filter("suspended"::equals).count(),
          events.stream().filter("resumed"::equals).count(), "suspended and resumed of " + id + ": " + events);
      long suspensions = rock == clientRock ? clientSuspensions : serverSuspensions;
      assertEquals(suspensions, events.stream().filter("suspended"::equals).count(), "suspensions of " + id + ": " + events);
    }
  }

  /** A rock found by detection (the policy's default) is counted as one made with connectRock is. */
  @Test
  @Timeout(60)
  void aRockFoundByDetectionIsCounted() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    RocksTotals before = monitor.totals();
    try (RockServerSocket server = Rocks.rockServerSocket(0, loopback, RockOptions.defaults());
        Socket client = Rocks.connect(loopback.getHostAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      assertTrue(Rocks.rockOf(client).isPresent(), "the policy's detection found a rock");
      client.getOutputStream().write(5);
      assertEquals(5, accepted.getInputStream().read());
      Await.until(Duration.ofSeconds(10), () -> "both rocks CONNECTED: " + monitor.rocksByState(),
          () -> monitor.rocksByState().get(RockState.CONNECTED) == 2);
      assertEquals(byState(RockState.CONNECTED, 2), monitor.rocksByState());
      assertEquals(1, monitor.totals().bytesWritten() - before.bytesWritten());
    }
    Await.until(Duration.ofSeconds(10), () -> "rocks held: " + ProcessRocks.INSTANCE.tracked(),
        () -> ProcessRocks.INSTANCE.tracked() == 0);
  }

  @Test
  @Timeout(60)
  void refusalsAreCountedByReason() throws Exception {
    Map<RockRefusal, Long> before = monitor.refusals();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
      int port = pair.server.getLocalPort();
      // A resume of a rock the server never made.
      try (Socket guess = new Socket(loopback, port)) {
        guess.setSoTimeout(10_000);
        RockId id = new RockId(ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong());
        guess.getOutputStream().write(RockResumeSecurityTest.resume(id, RockResumeSecurityTest.randomBytes(16)));
        RockResumeSecurityTest.assertRejected(new DataInputStream(guess.getInputStream()), Wire.REJECT_UNKNOWN_ROCK);
      }
      // Twice a forged proof for the real rock.
      for (int i = 0; i < 2; i++) {
        try (Socket forger = new Socket(loopback, port)) {
          forger.setSoTimeout(10_000);
          RockResumeSecurityTest.challenge(forger, pair.client.rock().id(), RockResumeSecurityTest.randomBytes(16));
          forger.getOutputStream().write(RockResumeSecurityTest.proof(0, RockResumeSecurityTest.randomBytes(32)));
          RockResumeSecurityTest.assertRejected(new DataInputStream(forger.getInputStream()), Wire.REJECT_BAD_PROOF);
        }
      }
      // Three connections that send something that is not a rock handshake.
      for (int i = 0; i < 3; i++) {
        try (Socket garbage = new Socket(loopback, port)) {
          garbage.setSoTimeout(10_000);
          garbage.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          InputStream in = garbage.getInputStream();
          assertEquals(-1, in.read(), "the server closes a connection that is not a rock");
        }
      }
      // Two port checks: connected and closed without a byte.
      for (int i = 0; i < 2; i++) {
        new Socket(loopback, port).close();
      }
      Await.until(Duration.ofSeconds(10), () -> "the port checks counted: " + monitor.refusals(),
          () -> monitor.refusals().get(RockRefusal.EMPTY_CONNECTION) - before.get(RockRefusal.EMPTY_CONNECTION) == 2);
      RockFailureTest.echoOnce(pair);
    }
    // A full backlog: a server holding one rock not yet accepted refuses the next HELLO.
    Map<RockRefusal, Long> after;
    try (RockServerSocket server = Rocks.rockServerSocket(new InetSocketAddress(loopback, 0), 1, RockOptions.defaults());
        RockSocket first = Rocks.connectRock(new InetSocketAddress(loopback, server.getLocalPort()), RockOptions.defaults())) {
      Await.until(Duration.ofSeconds(10), "the first rock waits in the backlog",
          () -> first.rock().state() == RockState.CONNECTED);
      RockSocket second = Rocks.connectRock(new InetSocketAddress(loopback, server.getLocalPort()),
          RockOptions.builder().reconnectTimeout(Duration.ofSeconds(2)).build());
      Await.until(Duration.ofSeconds(10), () -> "the second rock refused: " + monitor.refusals(),
          () -> monitor.refusals().get(RockRefusal.BACKLOG_FULL) > before.get(RockRefusal.BACKLOG_FULL));
      // Counted before the refused rock is aborted: a HELLO said again that the abort cuts short
      // would end without a REJECT, a handshake failure of its own.
      after = monitor.refusals();
      second.setSoLinger(true, 0);
      second.close();
    }

    Map<RockRefusal, Long> counted = new EnumMap<>(RockRefusal.class);
    for (RockRefusal reason : RockRefusal.values()) {
      counted.put(reason, after.get(reason) - before.get(reason));
    }
    long backlogFull = counted.get(RockRefusal.BACKLOG_FULL);
    Map<RockRefusal, Long> expected = new EnumMap<>(RockRefusal.class);
    for (RockRefusal reason : RockRefusal.values()) {
      expected.put(reason, 0L);
    }
    expected.put(RockRefusal.UNKNOWN_ROCK, 1L);
    expected.put(RockRefusal.BAD_PROOF, 2L);
    expected.put(RockRefusal.HANDSHAKE_FAILED, 3L);
    expected.put(RockRefusal.EMPTY_CONNECTION, 2L);
    // The refused connector says HELLO again on new connections until the backlog has room or
    // its reconnect timeout passes: each is refused.
    expected.put(RockRefusal.BACKLOG_FULL, backlogFull);
    assertEquals(expected, counted);
    assertTrue(backlogFull >= 1, "backlog refusals: " + backlogFull);
  }

  /** Sends seeded bytes both ways at once and checks each side received exactly them (SHA-256). */
  private static void exchange(RockPair pair, long clientToServer, long serverToClient, long seed)
      throws Exception {
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Transfer.Digest> fromClient = threads.submit(() -> Transfer.send(
          pair.client.getOutputStream(), clientToServer, seed, 64 * 1024, new AtomicLong()));
      Future<Transfer.Digest> fromServer = threads.submit(() -> Transfer.send(
          pair.accepted.getOutputStream(), serverToClient, -seed, 64 * 1024, new AtomicLong()));
      Future<Transfer.Digest> atServer = threads.submit(() -> Transfer.receiveExactly(
          pair.accepted.getInputStream(), clientToServer, new AtomicLong()));
      Future<Transfer.Digest> atClient = threads.submit(() -> Transfer.receiveExactly(
          pair.client.getInputStream(), serverToClient, new AtomicLong()));
      Transfer.Digest sent = Transfer.expected(clientToServer, seed, 64 * 1024);
      Transfer.Digest back = Transfer.expected(serverToClient, -seed, 64 * 1024);
      assertEquals(sent, fromClient.get(60, TimeUnit.SECONDS), "what the client sent");
      assertEquals(sent, atServer.get(60, TimeUnit.SECONDS), "what the server received");
      assertEquals(back, fromServer.get(60, TimeUnit.SECONDS), "what the server sent");
      assertEquals(back, atClient.get(60, TimeUnit.SECONDS), "what the client received");
    }
  }

  private static Map<RockState, Integer> byState(RockState state, int count) {
    Map<RockState, Integer> expected = new EnumMap<>(RockState.class);
    for (RockState s : RockState.values()) {
      expected.put(s, s == state ? count : 0);
    }
    return expected;
  }
}
