package io.rocks.cli;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockState;
import io.rocks.RockStats;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The rocks a command carries, for its status line and its announcements: each link announces its
 * suspensions, resumptions and failure on the {@link Display}, and {@link #summary} adds up the
 * counters of the open links and of those already closed. Thread-safe.
 */
final class Links {
  private final Display display;
  /** Whether each link's suspensions and resumptions are details ({@link Display#detail}). */
  private final boolean linkEventsAreDetails;
  private final List<Link> open = new CopyOnWriteArrayList<>();
  private long closedBytesWritten;
  private long closedBytesReceived;
  private int closedSuspensions;
  private long closedSuspendedNanos;
  private int closedControlSuspensions;
  private int carried;

  /** Links whose suspensions and resumptions are announced: a command carrying one user's rocks. */
  Links(Display display) {
    this(display, false);
  }

  /**
   * Links whose suspensions and resumptions are announced only as details if {@code
   * linkEventsAreDetails}: a gateway, whose status line counts them instead.
   */
  Links(Display display, boolean linkEventsAreDetails) {
    this.display = display;
    this.linkEventsAreDetails = linkEventsAreDetails;
  }

  private void announce(String message, boolean wrong) {
    if (linkEventsAreDetails) {
      display.detail(message);
    } else if (wrong) {
      display.warn(message);
    } else {
      display.info(message);
    }
  }

  /** One tracked rock. */
  final class Link implements RockListener {
    /** Read at each announcement: a gateway's label names the client's current address. */
    private final Supplier<String> label;
    final Rock rock;
    /** A control link counts in the state, not in the connection count or the counters. */
    final boolean control;
    /**
     * When the current suspension began, or -1. Listener events arrive after the rock's state has
     * changed (they are dispatched apart), so a status line may see the rock SUSPENDED before
     * {@link #suspended} has run: the first of the two to see the suspension sets the start.
     */
    private final AtomicLong suspendedSinceNanos = new AtomicLong(-1);
    private volatile int failedAttempts;

    private Link(Supplier<String> label, Rock rock, boolean control) {
      this.label = label;
      this.rock = rock;
      this.control = control;
    }

    @Override
    public void suspended(Rock r, Throwable cause) {
      suspendedSinceNanos.compareAndSet(-1, System.nanoTime());
      failedAttempts = 0;
      announce(label.get() + ": link to " + Format.address(r.peer()) + " lost (" + Format.cause(cause)
          + "); suspended, " + (rock.reconnectAddresses().isEmpty() ? "waiting for the peer" : "reconnecting"), true);
    }

    @Override
    public void reconnectAttemptFailed(Rock r, int attempt, InetSocketAddress address, Throwable error) {
      failedAttempts = attempt;
    }

    @Override
    public void resumed(Rock r, Duration suspendedFor, long bytesRetransmitted) {
      suspendedSinceNanos.set(-1);
      announce(label.get() + ": resumed after " + Format.duration(suspendedFor) + ", "
          + Format.bytes(bytesRetransmitted) + " retransmitted", false);
    }

    @Override
    public void failed(Rock r, Throwable cause) {
      suspendedSinceNanos.set(-1);
      if (control) {
        // A carried connection's failure is reported where it ends, with what it did to the program.
        display.warn(label.get() + ": rock failed: " + Format.cause(cause));
      }
    }

    /** How long the current suspension has lasted, or null if not suspended. */
    Duration suspendedFor() {
      if (rock.state() != RockState.SUSPENDED) {
        return null;
      }
      long now = System.nanoTime();
      long since = suspendedSinceNanos.compareAndExchange(-1, now);
      return Duration.ofNanos(since < 0 ? 0 : now - since);
    }

    int failedAttempts() {
      return failedAttempts;
    }
  }

  /** Starts tracking {@code rock}; call {@link #remove} when it is done. */
  Link add(String label, Rock rock, boolean control) {
    return add(() -> label, rock, control);
  }

  /** Starts tracking {@code rock} under a label that may change (read at each announcement). */
  Link add(Supplier<String> label, Rock rock, boolean control) {
    Link link = new Link(label, rock, control);
    rock.addListener(link);
    open.add(link);
    if (!control) {
      synchronized (this) {
        carried++;
      }
    }
    return link;
  }

  /** Stops tracking {@code link}, keeping its final counters in the totals. */
  void remove(Link link) {
    if (link == null || !open.remove(link)) {
      return;
    }
    link.rock.removeListener(link);
    RockStats stats = link.rock.stats();
    synchronized (this) {
      if (link.control) {
        closedControlSuspensions += stats.suspensions();
      } else {
        closedBytesWritten += stats.bytesWritten();
        closedBytesReceived += stats.bytesReceived();
        closedSuspensions += stats.suspensions();
        closedSuspendedNanos += stats.timeSuspended().toNanos();
      }
    }
  }

  /**
   * The counters of all links, open and closed, at one moment. {@code suspensions} counts the
   * carried links', {@code controlSuspensions} the control links'; {@code state} is SUSPENDED when
   * any link is, and {@code longestIsControl} says the longest current suspension is a control
   * link's (only control links are suspended).
   */
  record Summary(
      String state,
      int openConnections,
      int carriedConnections,
      long bytesWritten,
      long bytesReceived,
      int suspensions,
      int controlSuspensions,
      Duration timeSuspended,
      Duration longestCurrentSuspension,
      boolean longestIsControl,
      int reconnectAttempts) {}

  Summary summary() {
    long written;
    long received;
    int suspensions;
    int controlSuspensions;
    long suspendedNanos;
    int total;
    synchronized (this) {
      written = closedBytesWritten;
      received = closedBytesReceived;
      suspensions = closedSuspensions;
      controlSuspensions = closedControlSuspensions;
      suspendedNanos = closedSuspendedNanos;
      total = carried;
    }
    int connections = 0;
    boolean anySuspended = false;
    boolean anyConnected = false;
    boolean anyConnecting = false;
    Duration longest = null;
    boolean longestIsControl = false;
    int attempts = 0;
    for (Link link : open) {
      RockState state = link.rock.state();
      anySuspended |= state == RockState.SUSPENDED;
      anyConnected |= state == RockState.CONNECTED;
      anyConnecting |= state == RockState.CONNECTING;
      Duration current = link.suspendedFor();
      // A carried link's suspension is the one to show: it is what a program feels.
      if (current != null && (longest == null || (longestIsControl && !link.control)
          || (longestIsControl == link.control && current.compareTo(longest) > 0))) {
        longest = current;
        longestIsControl = link.control;
        attempts = link.failedAttempts();
      }
      if (link.control) {
        controlSuspensions += link.rock.stats().suspensions();
      } else {
        connections++;
        RockStats stats = link.rock.stats();
        written += stats.bytesWritten();
        received += stats.bytesReceived();
        suspensions += stats.suspensions();
        suspendedNanos += stats.timeSuspended().toNanos();
      }
    }
    String state =
        anySuspended ? "SUSPENDED" : anyConnected ? "CONNECTED" : anyConnecting ? "CONNECTING" : "IDLE";
    return new Summary(state, connections, total, written, received, suspensions, controlSuspensions,
        Duration.ofNanos(suspendedNanos), longest, longestIsControl, attempts);
  }

  /** Small formatting helpers for the status line and announcements. */
  static final class Format {
    private Format() {}

    static String bytes(long count) {
      if (count < 1024) {
        return count + " B";
      }
      double value = count;
      String[] units = {"KiB", "MiB", "GiB", "TiB"};
      int unit = -1;
      while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
      }
      return String.format(Locale.ROOT, value < 10 ? "%.2f %s" : value < 100 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }

    static String duration(Duration d) {
      long millis = d.toMillis();
      if (millis < 1000) {
        return millis + " ms";
      }
      if (millis < 60_000) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
      }
      long seconds = d.toSeconds();
      if (seconds < 3600) {
        return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
      }
      return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
    }

    /** A round-trip time: microsecond detail below 10 ms. */
    static String rtt(Duration d) {
      double millis = d.toNanos() / 1e6;
      return millis < 10
          ? String.format(Locale.ROOT, "%.2f ms", millis)
          : String.format(Locale.ROOT, "%.0f ms", millis);
    }

    static String address(InetSocketAddress address) {
      if (address == null) {
        return "?";
      }
      String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** One line for an exception: its message, or its class if it has none. */
    static String cause(Throwable t) {
      if (t == null) {
        return "unknown cause";
      }
      String message = t.getMessage();
      String text = message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
      return text.replace('\n', ' ').replace('\r', ' ');
    }
  }
}
