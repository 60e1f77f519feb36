package io.rocks.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.RocksTotals;
import io.rocks.testkit.Await;
import io.rocks.testkit.FaultRelay;
import io.rocks.testkit.Transfer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code rocks serve --metrics}, run as its own process: its Prometheus endpoint, scraped while a
 * tunnel in this JVM carries data to it across cuts, shows exactly the bytes this side's rocks
 * counted, and as many resumes as suspensions. This class runs in a JVM of its own (rocks-cli's
 * POM), so this side's {@link Rocks#monitor()} counts only the tunnel's rocks.
 */
class ServeMetricsTest {
  private static final Pattern GATEWAY = Pattern.compile("gateway listening on (\\S+) for rocks");
  private static final Pattern METRICS = Pattern.compile("metrics at (http://\\S+/metrics)");

  @Test
  @Timeout(120)
  void theEndpointCountsWhatTheTunnelCarriedAcrossCuts() throws Exception {
    try (Cli.EchoServer echo = new Cli.EchoServer();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      Process serve = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp", System.getProperty("java.class.path"),
              RocksCommand.class.getName(), "serve",
              "--listen", "127.0.0.1:0", "--allow", Cli.loopback(echo.port()), "--metrics", "127.0.0.1:0")
          .redirectErrorStream(true)
          .start();
      try {
        CompletableFuture<String> gatewayAddress = new CompletableFuture<>();
        CompletableFuture<URI> metricsUri = new CompletableFuture<>();
        List<String> output = new ArrayList<>();
        threads.submit(() -> {
          try (BufferedReader lines = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
              synchronized (output) {
                output.add(line);
              }
              Matcher g = GATEWAY.matcher(line);
              if (g.find()) {
                gatewayAddress.complete(g.group(1));
              }
              Matcher m = METRICS.matcher(line);
              if (m.find()) {
                metricsUri.complete(URI.create(m.group(1)));
              }
            }
          }
          gatewayAddress.completeExceptionally(new AssertionError("rocks serve ended: " + output));
          metricsUri.completeExceptionally(new AssertionError("rocks serve ended: " + output));
          return null;
        });
        Endpoint gateway = Endpoint.parse(gatewayAddress.get(60, TimeUnit.SECONDS));
        URI uri = metricsUri.get(60, TimeUnit.SECONDS);
        HttpURLConnection first = (HttpURLConnection) uri.toURL().openConnection();
        assertEquals(200, first.getResponseCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", first.getContentType());
        String firstBody = new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0.0, value(firstBody, "rocks_established_total"), firstBody);
        assertTrue(firstBody.contains("jvm_memory_used_bytes"), "the JVM's meters too");
        assertEquals(404, ((HttpURLConnection) uri.resolve("/other").toURL().openConnection()).getResponseCode());

        try (FaultRelay relay = new FaultRelay(new InetSocketAddress(Cli.LOOPBACK, gateway.port()));
            Tunnel tunnel = new Tunnel(Endpoint.parseListen("127.0.0.1:0"),
                Endpoint.parse(Cli.loopback(relay.address().getPort())), Endpoint.parse(Cli.loopback(echo.port())),
                Cli.quickOptions(), new Display.Log())) {
          tunnel.start();
          try (Socket client = new Socket(Cli.LOOPBACK, tunnel.localAddress().getPort())) {
            client.setSoTimeout(30_000);
            long chunk = 1024 * 1024 + 11;
            for (int round = 0; round < 3; round++) {
              Future<Transfer.Digest> sent = threads.submit(() ->
                  Transfer.send(client.getOutputStream(), chunk, 7, 64 * 1024, new AtomicLong()));
              assertEquals(Transfer.expected(chunk, 7, 64 * 1024),
                  Transfer.receiveExactly(client.getInputStream(), chunk, new AtomicLong()), "echo of round " + round);
              sent.get(30, TimeUnit.SECONDS);
              if (round < 2) {
                long resumesBefore = Rocks.monitor().totals().resumes();
                relay.reset();
                Await.until(Duration.ofSeconds(30), "this side's rocks resumed",
                    () -> Rocks.monitor().totals().resumes() > resumesBefore
                        && Rocks.monitor().rocksByState().get(RockState.SUSPENDED) == 0);
              }
            }
            client.getOutputStream().write(1);
            assertArrayEquals(new byte[] {1}, client.getInputStream().readNBytes(1));

            // Every byte each way acknowledged, and the gateway's scrape caught up with this side.
            Await.until(Duration.ofSeconds(20), () -> "this side's bytes acknowledged: " + Rocks.monitor().totals(),
                () -> {
                  RocksTotals here = Rocks.monitor().totals();
                  return here.bytesAcknowledged() == here.bytesWritten();
                });
            Await.until(Duration.ofSeconds(20), () -> "the gateway's counts match this side's: " + Rocks.monitor().totals(),
                () -> {
                  RocksTotals here = Rocks.monitor().totals();
                  String scrape = scrape(uri);
                  // Both directions at one moment: the tunnel's control link carries a few bytes now and then.
                  return value(scrape, "rocks_stream_bytes_total{direction=\"received\"}") == here.bytesWritten()
                      && value(scrape, "rocks_stream_bytes_total{direction=\"written\"}") == here.bytesReceived()
                      && value(scrape, "rocks_stream_bytes_total{direction=\"acknowledged\"}") == here.bytesReceived()
                      && value(scrape, "rocks_resume_latency_seconds_count") == value(scrape, "rocks_resumes_total");
                });
            RocksTotals here = Rocks.monitor().totals();
            String scrape = scrape(uri);
            assertTrue(here.bytesWritten() > 3 * chunk, "this side wrote the data and the tunnel's requests: " + here);
            assertEquals(Rocks.monitor().rocksByState().get(RockState.CONNECTED),
                (int) value(scrape, "rocks_live{state=\"connected\"}"), scrape);
            assertEquals(here.established(), value(scrape, "rocks_established_total"), scrape);
            double suspensions = value(scrape, "rocks_suspensions_total");
            assertTrue(suspensions >= 2, "each of two cuts suspended the gateway's rocks: " + scrape);
            assertEquals(suspensions, value(scrape, "rocks_resumes_total"), scrape);
            assertEquals(0.0, value(scrape, "rocks_ended_total{outcome=\"failed\"}"), scrape);
            assertEquals(0.0, value(scrape, "rocks_live{state=\"suspended\"}"), scrape);
          }
        }
      } finally {
        serve.destroy();
        if (!serve.waitFor(10, TimeUnit.SECONDS)) {
          serve.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static String scrape(URI uri) {
    try {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      assertEquals(200, connection.getResponseCode());
      try (var in = connection.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new AssertionError("scraping " + uri + " failed", e);
    }
  }

  /** The value of the sample whose name and labels are exactly {@code sample}. */
  private static double value(String scrape, String sample) {
    Matcher m = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
    if (!m.find()) {
      throw new AssertionError("no sample " + sample + " in:\n" + scrape);
    }
    return Double.parseDouble(m.group(1));
  }
}
