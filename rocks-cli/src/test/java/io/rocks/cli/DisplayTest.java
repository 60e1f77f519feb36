package io.rocks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
}
