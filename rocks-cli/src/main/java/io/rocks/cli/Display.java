package io.rocks.cli;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What a person sees of a running command: announcements (a link lost, a link resumed, a target
 * refused) as they happen, and a status line.
 *
 * <p>On a terminal the status line is redrawn in place with {@code \r} a few times a second, and
 * announcements are printed above it. Elsewhere (output to a file, a pipe, a service manager)
 * everything goes to log4j: announcements as they happen, the status line every {@code interval}.
 * Thread-safe.
 */
abstract class Display implements AutoCloseable {
  static final Logger LOG = LogManager.getLogger("io.rocks.cli");

  /** How often the terminal status line is redrawn. */
  static final Duration TERMINAL_REFRESH = Duration.ofMillis(250);

  private ScheduledExecutorService timer;
  /** Set by {@link #close}; guarded by this display's lock, as the status ticks read it. */
  private boolean closed;

  /** Says something that happened, as it happens. */
  abstract void info(String message);

  /** Says something that went wrong, as it happens. */
  abstract void warn(String message);

  /**
   * Says something one of many links did, as it happens, only when asked for ({@code --verbose}:
   * the {@code io.rocks.cli} logger at DEBUG): a gateway with thousands of clients would otherwise
   * write a line for every suspension and resumption of every client's link.
   */
  void detail(String message) {
    if (LOG.isDebugEnabled()) {
      info(message);
    }
  }

  /** Shows {@code status} from now on; a terminal redraws it, a log gets it every interval. */
  final synchronized void showStatus(Supplier<String> status, Duration logInterval) {
    if (timer != null) {
      return;
    }
    Duration every = refreshInterval(logInterval);
    if (every == null) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "rocks-status");
              thread.setDaemon(true);
              return thread;
            });
    timer.scheduleAtFixedRate(
        () -> {
          try {
            // Made and drawn under the display's lock: a line made just before a listener cleared
            // it, or before close, is not drawn after.
            synchronized (this) {
              if (!closed) {
                status(status.get());
              }
            }
          } catch (RuntimeException e) {
            LOG.debug("status line failed", e);
          }
        },
        every.toMillis(),
        every.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** How often to show the status, or null for never. */
  abstract Duration refreshInterval(Duration logInterval);

  /** Shows one status line. */
  abstract void status(String line);

  /** Stops the status line; on a terminal, leaves the last one on screen with a new line. */
  @Override
  public synchronized void close() {
    closed = true;
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
  }

  /**
   * Returns true if standard output is a terminal: {@code System.console() != null}, and on Java 22
   * or newer (where a console may exist for redirected streams) also {@code Console.isTerminal()}.
   */
  static boolean isTerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = java.io.Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (NoSuchMethodException e) {
      return true; // Java 21: a console exists only for a terminal
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Returns true if standard error is a terminal, where {@code rocks cat} keeps its status line
   * (its standard output is the program's data). Linux only ({@code /proc/self/fd/2}); false
   * elsewhere or if it cannot tell.
   */
  static boolean isStderrTerminal() {
    try {
      String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (java.io.IOException | RuntimeException e) {
      return false;
    }
  }

  /** Returns the display for this process: a terminal's, or log4j's. */
  static Display forProcess(PrintStream terminal, boolean isTerminal) {
    return isTerminal ? new Terminal(terminal) : new Log();
  }

  /** Announcements and periodic status lines as log4j INFO and WARN lines. */
  static final class Log extends Display {
    @Override
    void info(String message) {
      LOG.info(message);
    }

    @Override
    void warn(String message) {
      LOG.warn(message);
    }

    @Override
    void detail(String message) {
      LOG.debug(message);
    }

    @Override
    Duration refreshInterval(Duration logInterval) {
      return logInterval == null || logInterval.isZero() || logInterval.isNegative() ? null : logInterval;
    }

    @Override
    void status(String line) {
      LOG.info(line);
    }
  }

  /**
   * A status line redrawn in place, with announcements printed above it. An empty status line is
   * drawn once (clearing the row) and then not again, and a line is not redrawn unchanged, so a
   * terminal that also shows a program's output (rocks cat under ssh) is written to only while
   * there is something to show.
   */
  static final class Terminal extends Display {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final String CLEAR_LINE = "\r\033[K";
    static final String NEWLINE = "\r\n";

    private final PrintStream out;
    private final int width;
    private final Supplier<LocalTime> clock;
    private String last = "";
    /** Whether a status line was drawn yet; guarded by this. */
    private boolean drawn;

    Terminal(PrintStream out) {
      this(out, LocalTime::now);
    }

    /** A terminal display whose announcements are stamped with {@code clock}'s time. */
    Terminal(PrintStream out, Supplier<LocalTime> clock) {
      this.out = out;
      this.clock = clock;
      int columns = 0;
      try {
        columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "0").trim());
      } catch (NumberFormatException e) {
        columns = 0;
      }
      this.width = columns > 20 ? columns - 1 : 119;
    }

    @Override
    void info(String message) {
      announce(message);
    }

    @Override
    void warn(String message) {
      announce("WARN " + message);
    }

    private synchronized void announce(String message) {
      // CR LF, not LF alone: under a program that put the terminal in raw mode (ssh through `rocks
      // cat`) a bare LF moves down without returning, and the next line starts mid-row.
      out.print(CLEAR_LINE + clock.get().format(TIME) + " " + message + NEWLINE + fit(last));
      out.flush();
    }

    @Override
    Duration refreshInterval(Duration logInterval) {
      return TERMINAL_REFRESH;
    }

    @Override
    synchronized void status(String line) {
      if (line.equals(last) && (line.isEmpty() || drawn)) {
        return;
      }
      last = line;
      drawn = true;
      out.print(CLEAR_LINE + fit(line));
      out.flush();
    }

    private String fit(String line) {
      return line.length() <= width ? line : line.substring(0, width - 3) + "...";
    }

    @Override
    public synchronized void close() {
      super.close();
      if (!last.isEmpty()) {
        out.print(CLEAR_LINE + fit(last) + NEWLINE);
        out.flush();
        last = "";
      }
    }
  }
}
