package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import eu.rekawek.toxiproxy.Proxy;
import io.rocks.chaos.Toxi;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The echo session of {@link EchoAcrossCutsTest} in TLS: the unmodified programs make an {@code
 * SSLServerSocket} and an {@code SSLSocket} from the JDK's default context, and under the agent
 * their TLS runs over rocks; the client's {@code SSLSocket} is made connected by the factory, or
 * layered over a connected {@code Socket} (as {@code HttpsURLConnection} does). One TLS session
 * lasts across 15 cuts: no handshake is repeated, no exception reaches either program, every byte
 * comes back once.
 */
class TlsAcrossCutsTest {
  private static final int CUTS = 15;
  private static final Duration STEP = Duration.ofSeconds(30);
  private static final String PASSWORD = "rocks-test";

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tls", "tls-layered"})
  @Timeout(300)
  void aTlsSessionOverRocksOfTwoUnmodifiedProgramsOutlivesCuts(String mode, @TempDir Path dir) throws Exception {
    Path keys = dir.resolve("server.p12");
    Path trust = dir.resolve("trust.p12");
    keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keys.toString(),
        "-storepass", PASSWORD);
    Path cert = dir.resolve("server.cer");
    keytool("-exportcert", "-alias", "server", "-keystore", keys.toString(), "-storepass", PASSWORD, "-file", cert.toString());
    keytool("-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(), "-storetype", "PKCS12",
        "-keystore", trust.toString(), "-storepass", PASSWORD);
    List<String> serverOptions = new ArrayList<>(Program.agent(null));
    serverOptions.addAll(List.of("-Djavax.net.ssl.keyStore=" + keys, "-Djavax.net.ssl.keyStorePassword=" + PASSWORD,
        "-Djavax.net.debug=ssl:handshake"));
    List<String> clientOptions = new ArrayList<>(Program.agent(null));
    clientOptions.addAll(List.of("-Djavax.net.ssl.trustStore=" + trust, "-Djavax.net.ssl.trustStorePassword=" + PASSWORD));

    try (Proxies proxies = Proxies.start(mode + "-cuts");
        Program server = Program.start(mode + "-echo-server", serverOptions, "EchoServer", "127.0.0.1", "0", "tls")) {
      int port = Integer.parseInt(server.awaitFirstLine(STEP).split(" ")[1]);
      Proxy proxy = proxies.toxi.createProxy("tls", new InetSocketAddress("127.0.0.1", port));
      InetSocketAddress via = Toxi.listenAddress(proxy);
      try (Program client = Program.start(mode + "-stream-client", clientOptions, "StreamClient",
          via.getAddress().getHostAddress(), String.valueOf(via.getPort()), mode)) {
        client.awaitCount("is a rocks server", 1, STEP);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(99);
        OutputStream stdin = client.stdin();
        long sentBytes = 0;
        for (int cut = 1; cut <= CUTS; cut++) {
          byte[] chunk = new byte[16384 + random.nextInt(65536)];
          random.nextBytes(chunk);
          stdin.write(chunk);
          stdin.flush();
          sent.update(chunk);
          sentBytes += chunk.length;
          proxies.toxi.disable(proxy);
          proxies.toxi.enable(proxy);
          client.awaitCount(EchoAcrossCutsTest.RESUMED, cut, STEP);
          server.awaitCount(EchoAcrossCutsTest.RESUMED, cut, STEP);
        }
        stdin.close();
        assertEquals(0, client.awaitExit(STEP), "the client's exit code" + client.tail());
        byte[] echoed = client.stdoutBytes();
        assertEquals(sentBytes, echoed.length, "bytes echoed");
        assertEquals(HexFormat.of().formatHex(sent.digest()), Program.sha256(echoed), "SHA-256 of the echo");
        assertEquals(CUTS, client.count(EchoAcrossCutsTest.RESUMED), client.tail());
        assertEquals(CUTS, server.count(EchoAcrossCutsTest.RESUMED), server.tail());
        assertEquals(1, server.count("Produced ServerHello handshake message"), "one TLS handshake" + server.tail());
        assertEquals(0, client.count("EXCEPTION") + server.count("EXCEPTION"), client.tail() + server.tail());
      }
    }
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " failed:\n" + output);
    }
  }
}
