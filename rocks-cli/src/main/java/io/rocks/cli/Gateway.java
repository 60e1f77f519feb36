package io.rocks.cli;

import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.RockTimeoutException;
import io.rocks.Rocks;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * {@code rocks serve}: accepts rocks and connects each to the plain TCP target it names, if that
 * target is on the allow list, then carries bytes both ways (see {@link GatewayProtocol}). As
 * {@code rocks front} it has one target and no protocol: every rock is connected to that target
 * and carries the client's bytes from its first, so a program whose sockets are rocks (the library,
 * or the agent) reaches a plain server such as PostgreSQL as if the server were a rocks server.
 *
 * <p>Targets are matched exactly, after {@linkplain Endpoint normalisation}, against the allow list;
 * the gateway connects to the allowed entry as written there, never to anything else. Each rock is
 * served on its own virtual threads.
 */
final class Gateway implements AutoCloseable {
  /** How long a new rock may take to send its request line. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final Endpoint listen;
  private final Set<Endpoint> allowed;
  private final RockOptions options;
  private final Display display;
  private final Links links;
  private final AtomicInteger sequence = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final CountDownLatch stopped = new CountDownLatch(1);
  /** The one target of {@code rocks front}; null for a gateway that reads each rock's request. */
  private final Endpoint front;
  private volatile RockServerSocket server;
  private volatile boolean closing;

  Gateway(Endpoint listen, List<Endpoint> allowed, RockOptions options, Display display) {
    this(listen, allowed, null, options, display);
  }

  /** A front for {@code target}: each rock is carried to it, without a request line. */
  static Gateway front(Endpoint listen, Endpoint target, RockOptions options, Display display) {
    return new Gateway(listen, List.of(target), target, options, display);
  }

  private Gateway(Endpoint listen, List<Endpoint> allowed, Endpoint front, RockOptions options, Display display) {
    this.listen = listen;
    this.front = front;
    this.allowed = new LinkedHashSet<>(allowed);
    this.options = options;
    this.display = display;
    this.links = new Links(display, true); // per-link events only with --verbose; the status line counts them
  }

  /** Binds the listening address and starts accepting rocks. */
  void start() throws CliException {
    try {
      InetAddress bind = InetAddress.getByName(listen.host());
      server = Rocks.rockServerSocket(listen.port(), bind, options);
    } catch (IOException e) {
      throw new CliException(ExitCode.ERROR, "cannot listen on " + listen + ": " + Links.Format.cause(e), e);
    }
    Thread.ofVirtual().name("rocks-gateway-accept").start(this::acceptLoop);
  }

  /** The address the gateway listens on (with the port picked, if 0 was asked for). */
  InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  Set<Endpoint> allowed() {
    return allowed;
  }

  Links links() {
    return links;
  }

  /** The status line: rocks open, bytes each way, suspensions. */
  String statusLine() {
    Links.Summary s = links.summary();
    StringBuilder line = new StringBuilder();
    line.append(s.state())
        .append("  ")
        .append(s.openConnections())
        .append(s.openConnections() == 1 ? " rock" : " rocks")
        .append(" (")
        .append(s.carriedConnections())
        .append(" in all)  in ")
        .append(Links.Format.bytes(s.bytesReceived()))
        .append("  out ")
        .append(Links.Format.bytes(s.bytesWritten()))
        .append("  suspended ")
        .append(s.longestCurrentSuspension() == null ? "-" : Links.Format.duration(s.longestCurrentSuspension()))
        .append("  suspensions ")
        .append(s.suspensions());
    return line.toString();
  }

  /** Blocks until {@link #close} is called. */
  void awaitClosed() throws InterruptedException {
    stopped.await();
  }

  private void acceptLoop() {
    while (!closing) {
      RockSocket rock;
      try {
        rock = server.accept();
      } catch (IOException e) {
        if (!closing) {
          display.warn("gateway " + listen + ": accept failed: " + Links.Format.cause(e));
          close();
        }
        return;
      }
      int number = sequence.incrementAndGet();
      Thread.ofVirtual().name("rocks-gateway-" + number).start(() -> serve(rock, number));
    }
  }

  private void serve(RockSocket rock, int number) {
    InetSocketAddress firstSeen = rock.rock().peer();
    Supplier<String> label = () -> label(number, firstSeen, rock.rock().peer());
    open.add(rock);
    Links.Link link = null;
    try {
      InputStream in = rock.getInputStream();
      OutputStream out = rock.getOutputStream();
      Endpoint target;
      if (front != null) {
        target = front;
      } else {
        GatewayProtocol.Request request;
        try {
          rock.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
          request = GatewayProtocol.parseRequest(GatewayProtocol.readLine(in));
          rock.setSoTimeout(0);
        } catch (ProtocolException e) {
          display.warn(label.get() + ": " + e.getMessage());
          GatewayProtocol.writeLine(out, GatewayProtocol.REFUSED + " " + e.getMessage());
          rock.close();
          return;
        } catch (SocketTimeoutException e) {
          display.warn(label.get() + ": no request within " + Links.Format.duration(REQUEST_TIMEOUT) + "; closed");
          Pump.abort(rock);
          return;
        }
        target = request.target();
        if (!allowed.contains(target)) {
          String message = "target " + target + " is not allowed by this gateway (allowed: " + allowedList() + ")";
          display.warn(label.get() + ": " + request.verb() + " " + target + " refused: not in the --allow list");
          GatewayProtocol.writeLine(out, GatewayProtocol.REFUSED + " " + message);
          rock.close();
          return;
        }
        if (request.verb().equals(GatewayProtocol.CHECK)) {
          link = links.add(() -> label.get() + " (control)", rock.rock(), true);
          GatewayProtocol.writeLine(out, GatewayProtocol.OK);
          answerPings(in, out);
          rock.close();
          return;
        }
      }
      Socket plain = new Socket();
      try {
        plain.setTcpNoDelay(true);
        plain.connect(target.resolve(), (int) Math.max(1, options.connectTimeout().toMillis()));
      } catch (IOException e) {
        Pump.closeQuietly(plain);
        String message = "cannot connect to " + target + ": " + Links.Format.cause(e);
        display.warn(label.get() + ": " + message);
        if (front != null) {
          Pump.abort(rock); // as a server that refused the connection would: the client sees a reset
          return;
        }
        GatewayProtocol.writeLine(out, GatewayProtocol.UNREACHABLE + " " + message);
        rock.close();
        return;
      }
      open.add(plain);
      if (closing) { // close() may have aborted the open sockets before this one was added
        Pump.abort(plain);
        open.remove(plain);
        Pump.abort(rock);
        return;
      }
      try {
        link = links.add(() -> label.get() + " -> " + target, rock.rock(), false);
        if (front == null) {
          GatewayProtocol.writeLine(out, GatewayProtocol.OK);
        }
        display.info(label.get() + ": connected to " + target);
        Pump.Outcome outcome = Pump.splice(rock, "tunnel", plain, "target", "rocks-gateway-" + number);
        if (outcome.ok()) {
          display.info(label.get() + " -> " + target + ": closed (" + Links.Format.bytes(outcome.aToB()) + " in, "
              + Links.Format.bytes(outcome.bToA()) + " out)");
        } else if (!closing) {
          display.warn(label.get() + " -> " + target + ": " + ending(outcome, rock));
        }
      } finally {
        open.remove(plain);
      }
    } catch (InterruptedException e) {
      Pump.abort(rock);
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      if (!closing) {
        display.warn(label.get() + ": " + Links.Format.cause(e));
      }
      Pump.abort(rock);
    } finally {
      open.remove(rock);
      links.remove(link);
    }
  }

  /**
   * Names a client by its current address: a client that resumed from a new one (a laptop that
   * changed networks) is found where it is now, with where it came from.
   */
  static String label(int number, InetSocketAddress firstSeen, InetSocketAddress now) {
    String current = "rock #" + number + " from " + Links.Format.address(now);
    return now == null || now.equals(firstSeen)
        ? current
        : current + " (first seen from " + Links.Format.address(firstSeen) + ")";
  }

  /**
   * What ended a splice that failed: this side's rock giving up (its reconnect timeout, or another
   * failure of the rock itself) is not the tunnel side closing the connection.
   */
  private String ending(Pump.Outcome outcome, RockSocket rock) {
    IOException failure = outcome.failure();
    if (failure instanceof RockTimeoutException) {
      return "the rock failed: the link to the tunnel was down longer than the reconnect timeout ("
          + Links.Format.duration(options.reconnectTimeout()) + "); the target connection was reset";
    }
    if (outcome.failedSide().equals("tunnel") && rock.rock().state() == RockState.FAILED) {
      return "the rock failed: " + Links.Format.cause(failure) + "; the target connection was reset";
    }
    return "ended by the " + outcome.failedSide() + " side: " + Links.Format.cause(failure)
        + (outcome.failedSide().equals("tunnel") ? "; the target connection was reset" : "; the rock was aborted");
  }

  /** The control link: answers each PING line with a PONG line until the client closes. */
  private static void answerPings(InputStream in, OutputStream out) throws IOException {
    while (true) {
      String line;
      try {
        line = GatewayProtocol.readLine(in);
      } catch (EOFException | SocketException e) {
        return;
      }
      if (line.startsWith(GatewayProtocol.PING)) {
        GatewayProtocol.writeLine(out, GatewayProtocol.PONG + line.substring(GatewayProtocol.PING.length()));
      } else {
        return;
      }
    }
  }

  private String allowedList() {
    return String.join(", ", allowed.stream().map(Endpoint::toString).toList());
  }

  /** Stops accepting, and ends every carried connection abortively. Safe to call more than once. */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    Pump.closeQuietly(server);
    for (Socket socket : open) {
      Pump.abort(socket);
    }
    stopped.countDown();
  }
}
