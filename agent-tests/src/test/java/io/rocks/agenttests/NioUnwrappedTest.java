package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import example.Payload;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JDK's {@code HttpClient} works on NIO channels, which the agent does not reach: under the
 * agent it still fetches, on a plain connection, and the agent says so in one log line naming the
 * program.
 */
class NioUnwrappedTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);
  private static final long BYTES = 4L << 20;

  @Test
  @Timeout(120)
  void theJdkHttpClientStillWorksUnwrappedAndTheAgentSaysSoOnce() throws Exception {
    try (Program server = Program.start("nio-file-server", List.of(), "HttpFileServer", "127.0.0.1", "0")) {
      int port = Integer.parseInt(server.awaitFirstLine(LIMIT).split(" ")[1]);
      String url = "http://127.0.0.1:" + port + "/bytes/" + BYTES + "/11";
      try (Program fetch = Program.start("nio-fetch", Program.agent(null), "JdkHttpClientFetch", url)) {
        assertEquals(0, fetch.awaitExit(LIMIT), "exit code" + fetch.tail());
        assertEquals("status 200 bytes " + BYTES + " sha256 " + expectedSha256(BYTES, 11) + "\n", fetch.stdoutText());
        List<String> notes = fetch.stderrLines().stream().filter(l -> l.contains("are not made rocks")).toList();
        assertEquals(1, notes.size(), "one line says channels are not made rocks" + fetch.tail());
        assertTrue(notes.get(0).contains("example.JdkHttpClientFetch opened a SocketChannel"), notes.get(0));
        assertEquals(0, fetch.count("is a rocks server"), "no rock was tried" + fetch.tail());
      }
    }
  }

  /** The SHA-256 of {@code bytes} bytes of {@link Payload} with {@code seed}. */
  static String expectedSha256(long bytes, long seed) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    Payload payload = new Payload(seed);
    byte[] block = new byte[Payload.BLOCK];
    for (long done = 0; done < bytes; done += block.length) {
      payload.next(block);
      digest.update(block);
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
