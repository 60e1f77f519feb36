package io.rocks.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rocks;
import io.rocks.RocksSocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real client libraries, given {@link RocksSocketFactory}, talk to real plain servers: detection
 * finds the servers plain and the libraries' exchanges complete exactly as over plain sockets, on
 * first contact (probe, then a fresh plain connection) and once the verdict is cached.
 */
class RockClientsAgainstPlainServersTest {
  // Each test's server has a loopback address of its own: the client remembers per address and
  // port what it found, and a port reused by a later test's server must not meet that verdict.
  private static final InetAddress OKHTTP_HOST = Loopback.alias(11);
  private static final InetAddress HTTPCLIENT5_HOST = Loopback.alias(12);
  private static final InetAddress SMTP_HOST = Loopback.alias(13);
  private static final InetAddress FTP_ACTIVE_HOST = Loopback.alias(14);
  private static final InetAddress FTP_PASSIVE_HOST = Loopback.alias(15);
  private static final InetAddress ECHO_HOST = Loopback.alias(9);
  private static final byte[] UPLOAD = Digests.payload(300_000, 11);

  // ---- Client speaks first: HTTP/1.1 against the JDK's built-in server. ----

  @Test
  @Timeout(60)
  void okHttpThroughTheFactoryTalksToTheJdkHttpServerExactlyAsOverPlainSockets() throws Exception {
    try (JdkHttpServer server = new JdkHttpServer(OKHTTP_HOST)) {
      List<String> plain = okHttpExchange(SocketFactory.getDefault(), server.address());
      RecordingSocketFactory firstContact = new RecordingSocketFactory(RocksSocketFactory.getDefault());
      List<String> rocksFirst = okHttpExchange(firstContact, server.address());
      RecordingSocketFactory cached = new RecordingSocketFactory(RocksSocketFactory.getDefault());
      List<String> rocksCached = okHttpExchange(cached, server.address());

      assertEquals(plain, rocksFirst, "first contact (probe, then a plain connection)");
      assertEquals(plain, rocksCached, "verdict cached");
      assertAllPlain(firstContact.sockets(), 1);
      assertAllPlain(cached.sockets(), 1);
      assertServerSawThreeIdenticalSessions(server.seen());
    }
  }

  private static List<String> okHttpExchange(SocketFactory sockets, InetSocketAddress server)
      throws IOException {
    OkHttpClient client =
        new OkHttpClient.Builder()
            .socketFactory(sockets)
            .retryOnConnectionFailure(false) // a failed connection must fail the test, not be retried
            .connectionPool(new ConnectionPool(1, 1, TimeUnit.MINUTES))
            .callTimeout(Duration.ofSeconds(20))
            .build();
    String base = "http://" + server.getAddress().getHostAddress() + ":" + server.getPort();
    List<String> results = new ArrayList<>();
    try {
      results.add(okHttpCall(client, new Request.Builder().url(base + "/hello").build()));
      results.add(okHttpCall(client, new Request.Builder().url(base + "/data?bytes=1048576&seed=7").build()));
      results.add(
          okHttpCall(
              client,
              new Request.Builder()
                  .url(base + "/echo")
                  .post(RequestBody.create(UPLOAD, MediaType.get("application/octet-stream")))
                  .build()));
      results.add(okHttpCall(client, new Request.Builder().url(base + "/data?bytes=0&seed=1").build()));
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    return results;
  }

  private static String okHttpCall(OkHttpClient client, Request request) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      byte[] body = response.body().bytes();
      return request.method() + " " + request.url().encodedPath() + " -> " + response.code()
          + " length=" + body.length + " sha256=" + Digests.sha256(body)
          + " x-body-sha256=" + response.header("X-Body-Sha256");
    }
  }

  @Test
  @Timeout(60)
  void apacheHttpClient5ThroughTheFactoryTalksToTheJdkHttpServerExactlyAsOverPlainSockets()
      throws Exception {
    try (JdkHttpServer server = new JdkHttpServer(HTTPCLIENT5_HOST)) {
      List<String> plain = httpClient5Exchange(SocketFactory.getDefault(), server.address());
      RecordingSocketFactory firstContact = new RecordingSocketFactory(RocksSocketFactory.getDefault());
      List<String> rocksFirst = httpClient5Exchange(firstContact, server.address());
      RecordingSocketFactory cached = new RecordingSocketFactory(RocksSocketFactory.getDefault());
      List<String> rocksCached = httpClient5Exchange(cached, server.address());

      assertEquals(plain, rocksFirst, "first contact (probe, then a plain connection)");
      assertEquals(plain, rocksCached, "verdict cached");
      assertAllPlain(firstContact.sockets(), 1);
      assertAllPlain(cached.sockets(), 1);
      assertServerSawThreeIdenticalSessions(server.seen());
    }
  }

  private static List<String> httpClient5Exchange(SocketFactory sockets, InetSocketAddress server)
      throws IOException {
    // The configuration docs/INTEROP.md shows: the connection operator takes a DetachedSocketFactory.
    PoolingHttpClientConnectionManager connections =
        new PoolingHttpClientConnectionManager(
            new DefaultHttpClientConnectionOperator(
                proxy -> sockets.createSocket(), null, null, RegistryBuilder.<TlsSocketStrategy>create().build()),
            PoolConcurrencyPolicy.STRICT,
            PoolReusePolicy.LIFO,
            TimeValue.NEG_ONE_MILLISECOND,
            null);
    String base = "http://" + server.getAddress().getHostAddress() + ":" + server.getPort();
    List<String> results = new ArrayList<>();
    try (CloseableHttpClient client =
        HttpClients.custom().setConnectionManager(connections).disableAutomaticRetries().build()) {
      results.add(httpClient5Call(client, new HttpGet(base + "/hello")));
      results.add(httpClient5Call(client, new HttpGet(base + "/data?bytes=1048576&seed=7")));
      HttpPost post = new HttpPost(base + "/echo");
      post.setEntity(new ByteArrayEntity(UPLOAD, ContentType.APPLICATION_OCTET_STREAM));
      results.add(httpClient5Call(client, post));
      results.add(httpClient5Call(client, new HttpGet(base + "/data?bytes=0&seed=1")));
    }
    return results;
  }

  private static String httpClient5Call(CloseableHttpClient client, ClassicHttpRequest request)
      throws IOException {
    return client.execute(
        request,
        response -> {
          byte[] body = response.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(response.getEntity());
          var digest = response.getFirstHeader("X-Body-Sha256");
          return request.getMethod() + " " + request.getPath() + " -> " + response.getCode()
              + " length=" + body.length + " sha256=" + Digests.sha256(body)
              + " x-body-sha256=" + (digest == null ? null : digest.getValue());
        });
  }

  /** The server saw the same four requests, with the same uploaded bytes, in each of the 3 runs. */
  private static void assertServerSawThreeIdenticalSessions(List<String> seen) {
    assertEquals(12, seen.size(), "requests the server saw: " + seen);
    assertEquals(seen.subList(0, 4), seen.subList(4, 8), "first contact, as the server saw it");
    assertEquals(seen.subList(0, 4), seen.subList(8, 12), "cached, as the server saw it");
    assertTrue(seen.get(2).endsWith(Digests.sha256(UPLOAD)), "the upload arrived intact: " + seen.get(2));
  }

  // ---- Server speaks first: SMTP against GreenMail. ----

  @Test
  @Timeout(60)
  void commonsNetSmtpThroughTheFactoryTalksToGreenMailExactlyAsOverPlainSockets() throws Exception {
    try (GreenMailSmtp server = new GreenMailSmtp(SMTP_HOST, false)) {
      List<String> plain = SmtpSession.send(SocketFactory.getDefault(), SMTP_HOST, server.port());
      RecordingSocketFactory firstContact = new RecordingSocketFactory(RocksSocketFactory.getDefault());
      List<String> rocksFirst = SmtpSession.send(firstContact, SMTP_HOST, server.port());
      RecordingSocketFactory cached = new RecordingSocketFactory(RocksSocketFactory.getDefault());
      List<String> rocksCached = SmtpSession.send(cached, SMTP_HOST, server.port());

      assertEquals(plain, rocksFirst, "server replies, first contact (probe, then a plain connection)");
      assertEquals(plain, rocksCached, "server replies, verdict cached");
      assertEquals(7, plain.size(), "greeting, HELO, MAIL, RCPT, DATA, end of data, QUIT: " + plain);
      assertTrue(plain.get(0).startsWith("220"), "greeting: " + plain.get(0));
      assertAllPlain(firstContact.sockets(), 1);
      assertAllPlain(cached.sockets(), 1);

      List<String> messages = server.messages();
      assertEquals(3, messages.size(), "one message per session");
      assertEquals(messages.get(0), messages.get(1), "the message as stored, first contact");
      assertEquals(messages.get(0), messages.get(2), "the message as stored, verdict cached");
      // The body, but for its last line end, which belongs to the end-of-data mark.
      String body = SmtpSession.MESSAGE.substring(SmtpSession.MESSAGE.indexOf("\r\n\r\n") + 4).strip();
      assertTrue(messages.get(0).endsWith("\r\n\r\n" + body), "the body arrived un-dot-stuffed and whole");
      // The plain connection after a probe: 3 sessions and 1 probe; the cached session has no probe.
      assertEquals(4, server.accepted().size(), "connections GreenMail accepted");
    }
  }

  @Test
  @Timeout(60)
  void commonsNetFtpInActiveModeThroughTheFactoryTalksToApacheFtpServerExactlyAsOverPlainSockets()
      throws Exception {
    byte[] content = Digests.payload(2_000_000, 99);
    try (ApacheFtpServer server = new ApacheFtpServer(FTP_ACTIVE_HOST)) {
      FtpSession.Result plain = FtpSession.run(SocketFactory.getDefault(), FTP_ACTIVE_HOST, server.port(), false, "plain.bin", content);
      RecordingSocketFactory firstContact = new RecordingSocketFactory(RocksSocketFactory.getDefault());
      FtpSession.Result rocksFirst = FtpSession.run(firstContact, FTP_ACTIVE_HOST, server.port(), false, "first.bin", content);
      RecordingSocketFactory cached = new RecordingSocketFactory(RocksSocketFactory.getDefault());
      FtpSession.Result rocksCached = FtpSession.run(cached, FTP_ACTIVE_HOST, server.port(), false, "cached.bin", content);

      assertEquals(List.of(220, 230, 200, 226, 226, 221), plain.replies(), "replies over plain sockets");
      assertEquals(Digests.sha256(content), plain.downloadedSha256());
      assertEquals(plain, rocksFirst, "first contact (probe, then a plain connection)");
      assertEquals(plain, rocksCached, "verdict cached");
      for (String file : List.of("plain.bin", "first.bin", "cached.bin")) {
        assertEquals(Digests.sha256(content), Digests.sha256(server.stored(file)), "stored " + file);
      }
      // Only the control connection goes through the factory; in active mode the server connects
      // back for data, to a server socket of the client's.
      assertAllPlain(firstContact.sockets(), 1);
      assertAllPlain(cached.sockets(), 1);
    }
  }

  // ---- Cases that once broke detection. ----

  @Test
  @Timeout(60)
  void commonsNetFtpInPassiveModeWorksWhenARuleMakesTheFtpHostPlain() throws Exception {
    byte[] content = Digests.payload(10_000, 98);
    try (ApacheFtpServer server = new ApacheFtpServer(FTP_PASSIVE_HOST)) {
      FtpSession.Result rocks =
          FtpSession.run(RocksSocketFactory.getDefault(), FTP_PASSIVE_HOST, server.port(), true, "passive.bin", content);
      assertEquals(List.of(220, 230, 200, 226, 226, 221), rocks.replies());
      assertEquals(Digests.sha256(content), Digests.sha256(server.stored("passive.bin")), "stored");
      assertEquals(Digests.sha256(content), rocks.downloadedSha256(), "downloaded");
    }
  }

  @Test
  @Timeout(30)
  void theFactoryConnectsPlainToAPlainEchoServer() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, ECHO_HOST)) {
      Thread.ofVirtual().start(() -> {
        while (true) {
          Socket accepted;
          try {
            accepted = server.accept();
          } catch (IOException closed) {
            return;
          }
          Thread.ofVirtual().start(() -> {
            try (accepted) {
              accepted.getInputStream().transferTo(accepted.getOutputStream());
            } catch (IOException ignored) {
              // The client went away.
            }
          });
        }
      });
      try (Socket socket = RocksSocketFactory.getDefault().createSocket()) {
        socket.connect(new InetSocketAddress(ECHO_HOST, server.getLocalPort()), 5_000);
        assertFalse(Rocks.rockOf(socket).isPresent());
        socket.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        assertEquals("hello", new String(socket.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
      }
    }
  }

  private static void assertAllPlain(List<Socket> sockets, int expected) {
    assertEquals(expected, sockets.size(), "sockets the library made through the factory");
    for (Socket socket : sockets) {
      assertFalse(Rocks.rockOf(socket).isPresent(), "a plain server gets a plain socket: " + socket);
    }
  }
}
