package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eu.rekawek.toxiproxy.Proxy;
import io.rocks.chaos.Toxi;
import io.rocks.testkit.Await;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An unmodified program fetching 32 MiB with {@code HttpURLConnection} from an unmodified HTTP
 * server on a {@code ServerSocket}, both under the agent, through Toxiproxy limited to about 4 MB/s.
 * The proxy drops every connection again as soon as both sides have resumed from the last cut,
 * until the download ends. The body's SHA-256 matches, no exception reaches either program, and
 * each side resumed once per cut.
 */
class HttpAcrossCutsTest {
  private static final long BYTES = 32L << 20;
  private static final Duration STEP = Duration.ofSeconds(30);
  private static final String RESUMED = EchoAcrossCutsTest.RESUMED;

  @Test
  @Timeout(300)
  void aDownloadWithHttpUrlConnectionCarriesOnAcrossCuts() throws Exception {
    try (Proxies proxies = Proxies.start("http-cuts");
        Program server = Program.start("http-file-server", Program.agent(null), "HttpFileServer", "127.0.0.1", "0")) {
      int port = Integer.parseInt(server.awaitFirstLine(STEP).split(" ")[1]);
      Proxy proxy = proxies.toxi.createProxy("http", new InetSocketAddress("127.0.0.1", port));
      proxies.toxi.bandwidth(proxy, "slow", 4_000);
      InetSocketAddress via = Toxi.listenAddress(proxy);
      String url = "http://" + via.getAddress().getHostAddress() + ":" + via.getPort() + "/bytes/" + BYTES + "/3";
      try (Program fetch = Program.start("http-fetch", Program.agent(null), "HttpFetch", url)) {
        fetch.awaitCount("is a rocks server", 1, STEP);
        int cuts = 0;
        while (true) {
          // Let 2 MiB more of the body through, then cut while it flows.
          int progress = fetch.count("received ");
          Await.until(STEP, "2 MiB more arrive or the download ends",
              () -> !fetch.isAlive() || fetch.count("received ") >= progress + 2);
          if (!fetch.isAlive() || fetch.count("received ") >= BYTES >> 20) {
            break;
          }
          proxies.toxi.disable(proxy);
          proxies.toxi.enable(proxy);
          cuts++;
          fetch.awaitCount(RESUMED, cuts, STEP);
          server.awaitCount(RESUMED, cuts, STEP);
        }
        assertEquals(0, fetch.awaitExit(STEP), "exit code" + fetch.tail());
        assertEquals("status 200 bytes " + BYTES + " sha256 " + NioUnwrappedTest.expectedSha256(BYTES, 3) + "\n",
            fetch.stdoutText());
        assertTrue(cuts >= 5, "the download went on across at least 5 cuts, not " + cuts);
        assertEquals(cuts, fetch.count(RESUMED), "the client's rock resumed once per cut" + fetch.tail());
        assertEquals(cuts, server.count(RESUMED), "the server's rock resumed once per cut" + server.tail());
        assertEquals(0, fetch.count("EXCEPTION") + server.count("EXCEPTION"), "exceptions" + fetch.tail() + server.tail());
        System.out.printf("HttpURLConnection across %d cuts: %d bytes%n", cuts, BYTES);
      }
    }
  }
}
