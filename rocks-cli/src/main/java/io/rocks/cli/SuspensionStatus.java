package io.rocks.cli;

import io.rocks.Rock;
import io.rocks.RockListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The one line {@code rocks cat} keeps on a terminal's standard error while its rock is suspended,
 * like mosh's: how long since the link was lost and what is being tried ({@code rocks: no contact
 * for 12 s, reconnecting to host:port (attempt 5, last: Connection refused)}); empty while the rock
 * is connected, so the display writes nothing then. Listener callbacks run on the rock's events
 * thread, {@link #line} on the display's; the fields are volatile, and a line read mid-update mixes
 * two consecutive states at worst.
 */
final class SuspensionStatus implements RockListener {
  private final Display display;
  /** Where reconnection goes, as the command line named it (a name stays a name). */
  private final String target;
  private final boolean reconnects;
  private final LongSupplier nanoTime;
  private volatile long suspendedAtNanos = -1;
  private volatile int failedAttempts;
  private volatile String lastError;

  /**
   * @param target where reconnection goes, as the command line named it
   * @param reconnects false on the accepting side, which waits for its peer
   * @param nanoTime the clock ({@link System#nanoTime} but in tests)
   */
  SuspensionStatus(Display display, String target, boolean reconnects, LongSupplier nanoTime) {
    this.display = display;
    this.target = target;
    this.reconnects = reconnects;
    this.nanoTime = nanoTime;
  }

  @Override
  public void suspended(Rock r, Throwable cause) {
    failedAttempts = 0;
    lastError = null;
    suspendedAtNanos = nanoTime.getAsLong();
    display.status(line());
  }

  @Override
  public void reconnectAttemptFailed(Rock r, int attempt, InetSocketAddress address, Throwable error) {
    failedAttempts = attempt;
    lastError = Links.Format.cause(error);
  }

  @Override
  public void resumed(Rock r, Duration suspendedFor, long bytesRetransmitted) {
    suspendedAtNanos = -1;
    display.status(""); // cleared before the "resumed" announcement, which the next listener makes
  }

  @Override
  public void failed(Rock r, Throwable cause) {
    suspendedAtNanos = -1;
    display.status("");
  }

  @Override
  public void closed(Rock r) {
    // A rock may end while suspended (its peer aborted and said so): the line goes with it.
    suspendedAtNanos = -1;
    display.status("");
  }

  /** The status line, or "" while not suspended. */
  String line() {
    long since = suspendedAtNanos;
    if (since < 0) {
      return "";
    }
    long seconds = Duration.ofNanos(nanoTime.getAsLong() - since).toSeconds();
    StringBuilder line = new StringBuilder("rocks: no contact for ").append(seconds).append(" s, ");
    if (!reconnects) {
      return line.append("waiting for the peer to reconnect").toString();
    }
    line.append("reconnecting to ").append(target).append(" (attempt ").append(failedAttempts + 1);
    String error = lastError;
    if (error != null) {
      line.append(", last: ").append(error);
    }
    return line.append(")").toString();
  }
}
