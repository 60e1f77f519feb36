package io.rocks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import org.junit.jupiter.api.Test;

/** What the terminal display writes: every line it ends is ended with CR LF, for raw terminals. */
class DisplayTest {
  @Test
  void terminalLinesEndWithCarriageReturnAndLineFeed() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Display display = Display.forProcess(new PrintStream(bytes, true, StandardCharsets.UTF_8), true)) {
      display.status("rock CONNECTED");
      display.info("link lost");
      display.warn("reconnect attempt 1 failed");
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(3, text.split("\r\n", -1).length - 1, text);
    assertFalse(text.replace("\r\n", "").contains("\n"), "a bare line feed in " + text);
    assertTrue(text.contains(" link lost\r\n"), text);
    assertTrue(text.contains(" WARN reconnect attempt 1 failed\r\n"), text);
    assertTrue(text.endsWith("rock CONNECTED\r\n"), text);
  }

  @Test
  void catKeepsOneSuspensionLineInPlaceAndClearsItBeforeResumed() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long[] nanos = {5_000_000_000L};
    Display.Terminal display =
        new Display.Terminal(new PrintStream(bytes, true, StandardCharsets.UTF_8), () -> LocalTime.of(9, 30, 15));
    SuspensionStatus suspension = new SuspensionStatus(display, "gw.example:7000", true, () -> nanos[0]);
    display.status(suspension.line()); // connected: the terminal is not touched
    suspension.suspended(null, new SocketTimeoutException("no bytes from the peer for 600 ms"));
    nanos[0] += Duration.ofMillis(400).toNanos();
    display.status(suspension.line()); // the same text: not redrawn
    nanos[0] += Duration.ofMillis(800).toNanos();
    display.status(suspension.line());
    suspension.reconnectAttemptFailed(null, 1, new InetSocketAddress("127.0.0.1", 7000), new ConnectException("Connection refused"));
    display.status(suspension.line());
    nanos[0] += Duration.ofSeconds(11).toNanos();
    display.status(suspension.line());
    suspension.resumed(null, Duration.ofSeconds(12), 0);
    display.info("rock 0123abcd: resumed after 12.2 s, 0 B retransmitted");
    display.status(suspension.line()); // connected again: not touched
    display.close();
    String clear = "\r\033[K";
    assertEquals(clear + "rocks: no contact for 0 s, reconnecting to gw.example:7000 (attempt 1)"
        + clear + "rocks: no contact for 1 s, reconnecting to gw.example:7000 (attempt 1)"
        + clear + "rocks: no contact for 1 s, reconnecting to gw.example:7000 (attempt 2, last: Connection refused)"
        + clear + "rocks: no contact for 12 s, reconnecting to gw.example:7000 (attempt 2, last: Connection refused)"
        + clear
        + clear + "09:30:15 rock 0123abcd: resumed after 12.2 s, 0 B retransmitted\r\n",
        bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void anAcceptingCatWaitsForItsPeer() {
    long[] nanos = {0};
    SuspensionStatus suspension = new SuspensionStatus(new Display.Log(), "", false, () -> nanos[0]);
    assertEquals("", suspension.line());
    suspension.suspended(null, new SocketTimeoutException("silent"));
    nanos[0] = Duration.ofSeconds(3).toNanos();
    assertEquals("rocks: no contact for 3 s, waiting for the peer to reconnect", suspension.line());
    suspension.closed(null); // ended while suspended: its peer aborted and said so
    assertEquals("", suspension.line());
  }
}
