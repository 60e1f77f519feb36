package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.policy.RocksPolicy;
import io.rocks.testkit.Await;
import io.rocks.testkit.Transfer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Rocks over TLS set up from HOCON: each reconnection is a new TLS connection, and data survives. */
public class TlsTest {
  @TempDir static Path dir;
  private static RockOptions server;
  private static RockOptions client;
  private static RockOptions mutualServer;
  private static RockOptions mutualClient;

  @BeforeAll
  static void makeCertificates() throws Exception {
    TestCertificates.make(dir, "rocks", "CN=localhost", "server.p12", "trust.p12",
        "-ext", "SAN=dns:localhost,ip:127.0.0.1");
    // A client certificate, and a server trust store that accepts it, for mutual TLS.
    TestCertificates.make(dir, "client", "CN=rocks-client", "client.p12", "clients.p12");
    mutualServer = RocksPolicy.parse("rocks.tls { enabled = true, key-store = \"" + dir.resolve("server.p12")
        + "\", key-store-password = changeit, trust-store = \"" + dir.resolve("clients.p12")
        + "\", trust-store-password = changeit, client-auth = need }", "mutual-server.conf").defaults();
    mutualClient = RocksPolicy.parse("rocks.tls { enabled = true, key-store = \"" + dir.resolve("client.p12")
        + "\", key-store-password = changeit, trust-store = \"" + dir.resolve("trust.p12")
        + "\", trust-store-password = changeit }", "mutual-client.conf").defaults();
    server = TestCertificates.serverOptions(dir);
    client = TestCertificates.clientOptions(dir);
  }

  @Test
  @Timeout(120)
  void deliversExactlyOverTlsAcrossResetsAndSilentCuts() throws Exception {
    long bytes = 8L * 1024 * 1024;
    try (RockPair pair = new RockPair(client, server);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      // The sender stops at 80% until the last fault, so the transfer cannot end before it.
      java.util.concurrent.CountDownLatch faultsDone = new java.util.concurrent.CountDownLatch(1);
      Future<Transfer.Digest> sent =
          pool.submit(() -> RockTransferTest.sendThenShutdown(pair.client, bytes, 5, bytes * 8 / 10, faultsDone));
      Future<Transfer.Digest> got = pool.submit(() -> Transfer.receive(pair.accepted.getInputStream(), new AtomicLong()));
      for (int fault = 0; fault < 4; fault++) {
        long target = (fault + 1) * bytes / 6;
        int before = pair.clientRock().stats().suspensions();
        Await.until(Duration.ofSeconds(60), "progress before fault " + fault,
            () -> pair.serverRock().stats().bytesReceived() >= target && pair.clientRock().state() == RockState.CONNECTED);
        if (fault % 2 == 0) {
          pair.relay.reset();
        } else {
          pair.relay.cutSilently();
        }
        Await.until(Duration.ofSeconds(20), "suspended", () -> pair.clientRock().stats().suspensions() > before);
        pair.relay.restore();
      }
      faultsDone.countDown();
      assertEquals(Transfer.expected(bytes, 5, 64 * 1024), got.get(60, TimeUnit.SECONDS));
      assertEquals(sent.get(10, TimeUnit.SECONDS), got.get());
      assertEquals(4, pair.clientRock().stats().suspensions());
      // A new TLS connection for each recovery (plus attempts that went into a silent cut).
      assertTrue(pair.relay.acceptedConnections() >= 5, "connections " + pair.relay.acceptedConnections());
    }
  }

  @Test
  @Timeout(60)
  void aClientThatDoesNotTrustTheServerCannotConnect() throws Exception {
    try (var rockServer = Rocks.rockServerSocket(0, java.net.InetAddress.getLoopbackAddress(), server)) {
      RockOptions untrusting = RockOptions.builder().tls(javax.net.ssl.SSLContext.getDefault()).build();
      IOException error = assertThrows(IOException.class,
          () -> Rocks.connectRock(new java.net.InetSocketAddress("localhost", rockServer.getLocalPort()), untrusting));
      assertTrue(error instanceof SSLException, error.toString());
    }
  }

  @Test
  @Timeout(60)
  void mutualTlsServesAClientWithATrustedCertificateAcrossAReconnection() throws Exception {
    assertEquals(io.rocks.RockClientAuth.NEED, mutualServer.tlsClientAuth());
    try (RockPair pair = new RockPair(mutualClient, mutualServer)) {
      RockFailureTest.echoOnce(pair);
      pair.relay.reset();
      Await.until(Duration.ofSeconds(30), "the rock resumes over a new mutual TLS connection",
          () -> pair.clientRock().stats().suspensions() == 1 && pair.clientRock().state() == RockState.CONNECTED
              && pair.serverRock().state() == RockState.CONNECTED);
      RockFailureTest.echoOnce(pair);
      assertTrue(pair.relay.acceptedConnections() >= 2, "connections " + pair.relay.acceptedConnections());
    }
  }

  @Test
  @Timeout(60)
  void mutualTlsRefusesAClientWithoutACertificate() throws Exception {
    try (var rockServer = Rocks.rockServerSocket(0, java.net.InetAddress.getLoopbackAddress(), mutualServer)) {
      var address = new java.net.InetSocketAddress("localhost", rockServer.getLocalPort());
      // With TLS 1.3 the client may finish its side of the handshake before the server refuses
      // it: the refusal then arrives as the rock's first read. Either way it is a TLS error, also
      // when the application wrote first (its write may meet the closed connection).
      IOException error = assertThrows(IOException.class, () -> {
        try (java.net.Socket socket = Rocks.connectRock(address, client)) {
          socket.getOutputStream().write(new byte[4096]);
          socket.getInputStream().read();
        }
      });
      SSLException tls = sslCause(error);
      assertTrue(tls != null && tls.getMessage().contains("certificate"),
          "a TLS error about the missing certificate: " + error + " (TLS cause: " + tls + ")");
      rockServer.setSoTimeout(1000);
      assertThrows(java.net.SocketTimeoutException.class, rockServer::accept,
          "the server hands no rock to the application");
    }
  }

  private static SSLException sslCause(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }

  @Test
  void anUnknownClientAuthIsRefusedWhenThePolicyLoads() {
    var e = assertThrows(com.typesafe.config.ConfigException.class, () -> RocksPolicy.parse(
        "rocks.tls {\n  client-auth = always\n}", "app.conf"));
    assertEquals("app.conf: 2: Invalid value at 'rocks.tls.client-auth': must be none, want or need,"
        + " was \"always\"", e.getMessage());
  }

  @Test
  void aMissingKeyStoreFailsWhenThePolicyLoadsNamingKeyAndLine() {
    var e = assertThrows(com.typesafe.config.ConfigException.class, () -> RocksPolicy.parse(
        "rocks.tls {\n  enabled = true\n  key-store = \"" + dir.resolve("missing.p12") + "\"\n}", "app.conf"));
    assertTrue(e.getMessage().startsWith("app.conf: 3: Invalid value at 'rocks.tls.key-store': cannot read key store"),
        e.getMessage());
    assertTrue(Files.notExists(dir.resolve("missing.p12")));
  }
}
