package io.rocks.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.impl.wire.Wire;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
import io.rocks.testkit.Transfer;
import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The meters in Prometheus's text format, scraped while two rocks carry data across two cuts: each
 * value equals what the rocks themselves count. This module's tests run in a JVM of their own, so
 * the process's rocks are exactly the ones made here (the first test counts from none).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RocksMetricsTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  @Order(1) // first: it counts from a process that made no rock yet
  @Timeout(120)
  void scrapedValuesMatchTheRocksAcrossCuts() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (RocksMetrics metrics = new RocksMetrics(Rocks.monitor(), Tags.of("service", "test"))) {
      metrics.bindTo(registry);
      assertEquals(0.0, value(registry.scrape(), "rocks_live{service=\"test\",state=\"connected\"}"));

      long clientToServer = 2 * 1024 * 1024 + 3;
      long serverToClient = 512 * 1024 + 7;
      int cuts = 2;
      RockSocket clientSide;
      RockSocket serverSide;
      try (RockServerSocket server = Rocks.rockServerSocket(0, LOOPBACK, RockOptions.defaults());
          FaultRelay relay = new FaultRelay(new InetSocketAddress(LOOPBACK, server.getLocalPort()))) {
        server.setSoTimeout(10_000);
        clientSide = Rocks.connectRock(relay.address(), RockOptions.defaults());
        serverSide = server.accept();
        Await.until(Duration.ofSeconds(10), "both rocks connected",
            () -> clientSide.rock().state() == RockState.CONNECTED && serverSide.rock().state() == RockState.CONNECTED);
        String during = registry.scrape();
        assertEquals(2.0, value(during, "rocks_live{service=\"test\",state=\"connected\"}"), during);
        assertEquals(0.0, value(during, "rocks_live{service=\"test\",state=\"suspended\"}"), during);
        assertEquals(2.0, value(during, "rocks_established_total{service=\"test\"}"), during);

        for (int cut = 0; cut < cuts; cut++) {
          exchange(clientSide, serverSide, clientToServer / cuts, serverToClient / cuts, cut + 1);
          int before = clientSide.rock().stats().suspensions();
          relay.reset();
          Await.until(Duration.ofSeconds(30), "both rocks resumed",
              () -> clientSide.rock().stats().suspensions() > before
                  && clientSide.rock().state() == RockState.CONNECTED
                  && serverSide.rock().state() == RockState.CONNECTED);
        }
        exchange(clientSide, serverSide, clientToServer - clientToServer / cuts * cuts,
            serverToClient - serverToClient / cuts * cuts, 9);
        Await.until(Duration.ofSeconds(10), "every byte acknowledged",
            () -> clientSide.rock().stats().bytesAcknowledged() == clientToServer
                && serverSide.rock().stats().bytesAcknowledged() == serverToClient);

        // A forged resume of the real rock: refused, and counted.
        try (Socket forger = new Socket(LOOPBACK, server.getLocalPort())) {
          forger.setSoTimeout(10_000);
          forgeResume(forger, clientSide);
        }

        long suspensions = clientSide.rock().stats().suspensions() + serverSide.rock().stats().suspensions();
        Await.until(Duration.ofSeconds(10), "every resume timed",
            () -> value(registry.scrape(), "rocks_resume_latency_seconds_count{service=\"test\"}") == suspensions);
        String after = registry.scrape();
        assertEquals(2.0, value(after, "rocks_live{service=\"test\",state=\"connected\"}"), after);
        assertEquals(suspensions, value(after, "rocks_suspensions_total{service=\"test\"}"), after);
        assertEquals(suspensions, value(after, "rocks_resumes_total{service=\"test\"}"), after);
        assertTrue(suspensions >= 2L * cuts, "each cut suspends both rocks: " + suspensions);
        long both = clientToServer + serverToClient;
        assertEquals(both, value(after, "rocks_stream_bytes_total{direction=\"written\",service=\"test\"}"), after);
        assertEquals(both, value(after, "rocks_stream_bytes_total{direction=\"received\",service=\"test\"}"), after);
        assertEquals(both, value(after, "rocks_stream_bytes_total{direction=\"acknowledged\",service=\"test\"}"), after);
        assertEquals(1.0, value(after, "rocks_refusals_total{kind=\"resume\",reason=\"bad_proof\",service=\"test\"}"), after);
        assertEquals(0.0, value(after, "rocks_refusals_total{kind=\"resume\",reason=\"unknown_rock\",service=\"test\"}"), after);
        assertTrue(after.contains("rocks_resume_latency_seconds_bucket{service=\"test\",le="), after);
        assertEquals(0.0, value(after, "rocks_ended_total{outcome=\"closed\",service=\"test\"}"), after);

        clientSide.close();
        serverSide.close();
        Await.until(Duration.ofSeconds(30), "both rocks ended",
            () -> value(registry.scrape(), "rocks_ended_total{outcome=\"closed\",service=\"test\"}") == 2.0);
      }
      String ended = registry.scrape();
      assertEquals(0.0, value(ended, "rocks_live{service=\"test\",state=\"connected\"}"), ended);
      assertEquals(0.0, value(ended, "rocks_live{service=\"test\",state=\"closing\"}"), ended);
      assertEquals(0.0, value(ended, "rocks_ended_total{outcome=\"failed\",service=\"test\"}"), ended);
      // Ended rocks' bytes stay counted.
      assertEquals((double) clientToServer + serverToClient,
          value(ended, "rocks_stream_bytes_total{direction=\"written\",service=\"test\"}"), ended);
    }
  }

  /**
   * Bound as README shows, without keeping the binder: a collection does not freeze its counters
   * (a meter holds its object weakly).
   */
  @Test
  @Order(2)
  @Timeout(60)
  void countersBoundWithoutAReferenceKeepCountingAfterACollection() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    java.lang.ref.WeakReference<RocksMetrics> binder = bindUnreferenced(registry);
    double before = value(registry.scrape(), "rocks_established_total");
    for (int i = 0; i < 5; i++) {
      System.gc();
    }
    try (RockServerSocket server = Rocks.rockServerSocket(0, LOOPBACK, RockOptions.defaults());
        RockSocket client = Rocks.connectRock(new InetSocketAddress(LOOPBACK, server.getLocalPort()), RockOptions.defaults());
        java.net.Socket accepted = server.accept()) {
      client.getOutputStream().write(1);
      assertEquals(1, accepted.getInputStream().read());
      Await.until(Duration.ofSeconds(10), "both rocks established",
          () -> client.rock().state() == RockState.CONNECTED);
      Await.until(Duration.ofSeconds(10), () -> "established counted after a collection: " + registry.scrape(),
          () -> value(registry.scrape(), "rocks_established_total") == before + 2);
    }
    assertTrue(binder.get() != null, "the registry keeps the binder");
  }

  private static java.lang.ref.WeakReference<RocksMetrics> bindUnreferenced(PrometheusMeterRegistry registry) {
    RocksMetrics metrics = new RocksMetrics();
    metrics.bindTo(registry);
    return new java.lang.ref.WeakReference<>(metrics);
  }

  /** Returns the value of the sample whose name and labels are exactly {@code sample}. */
  static double value(String scrape, String sample) {
    Matcher m = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
    if (!m.find()) {
      throw new AssertionError("no sample " + sample + " in:\n" + scrape);
    }
    return Double.parseDouble(m.group(1));
  }

  private static void exchange(RockSocket client, RockSocket server, long up, long down, long seed) throws Exception {
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Transfer.Digest> sentUp = threads.submit(() -> Transfer.send(client.getOutputStream(), up, seed, 64 * 1024, new AtomicLong()));
      Future<Transfer.Digest> sentDown = threads.submit(() -> Transfer.send(server.getOutputStream(), down, -seed, 64 * 1024, new AtomicLong()));
      Future<Transfer.Digest> gotUp = threads.submit(() -> Transfer.receiveExactly(server.getInputStream(), up, new AtomicLong()));
      Future<Transfer.Digest> gotDown = threads.submit(() -> Transfer.receiveExactly(client.getInputStream(), down, new AtomicLong()));
      assertEquals(Transfer.expected(up, seed, 64 * 1024), sentUp.get(60, TimeUnit.SECONDS));
      assertEquals(Transfer.expected(up, seed, 64 * 1024), gotUp.get(60, TimeUnit.SECONDS));
      assertEquals(Transfer.expected(down, -seed, 64 * 1024), sentDown.get(60, TimeUnit.SECONDS));
      assertEquals(Transfer.expected(down, -seed, 64 * 1024), gotDown.get(60, TimeUnit.SECONDS));
    }
  }

  /**
   * Sends RESUME for the rock's id, reads the CHALLENGE, answers with a PROOF made without the
   * rock's key, and expects REJECT(BAD_PROOF) (PROTOCOL.md §2, §7).
   */
  private static void forgeResume(Socket socket, RockSocket rock) throws Exception {
    byte[] nonce = new byte[Wire.NONCE_BYTES];
    ThreadLocalRandom.current().nextBytes(nonce);
    socket.getOutputStream().write(ByteBuffer.allocate(Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.RESUME))
        .putInt(Wire.MAGIC).put(Wire.VERSION).put(Wire.RESUME)
        .putLong(rock.rock().id().high()).putLong(rock.rock().id().low()).put(nonce).array());
    DataInputStream in = new DataInputStream(socket.getInputStream());
    byte[] challenge = new byte[Wire.HANDSHAKE_HEADER_BYTES + Wire.handshakeBodyBytes(Wire.CHALLENGE)];
    in.readFully(challenge);
    assertEquals(Wire.CHALLENGE, challenge[5], "CHALLENGE");
    int proofBytes = Wire.handshakeBodyBytes(Wire.PROOF);
    byte[] forged = new byte[proofBytes - 9];
    ThreadLocalRandom.current().nextBytes(forged);
    socket.getOutputStream().write(ByteBuffer.allocate(Wire.HANDSHAKE_HEADER_BYTES + proofBytes)
        .putInt(Wire.MAGIC).put(Wire.VERSION).put(Wire.PROOF).putLong(0).put((byte) 0).put(forged).array());
    byte[] reject = new byte[Wire.HANDSHAKE_HEADER_BYTES + 2];
    in.readFully(reject);
    assertEquals(Wire.REJECT, reject[5], "REJECT");
    assertEquals(Wire.REJECT_BAD_PROOF, reject[6], "reason");
  }
}
