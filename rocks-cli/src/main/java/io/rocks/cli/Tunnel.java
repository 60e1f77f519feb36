package io.rocks.cli;

import io.rocks.RockOptions;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.RockTimeoutException;
import io.rocks.Rocks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code rocks tunnel}: listens for plain TCP connections on a local address and carries each over
 * its own rock to a gateway ({@code rocks serve}), which connects it to the target.
 *
 * <p>At start the tunnel opens a control rock to the gateway and asks whether the target is allowed
 * ({@code CHECK}, see {@link GatewayProtocol}), so an unreachable gateway or a refused target is
 * reported before any program connects. The control rock then stays open and measures the
 * round-trip time with {@code PING} lines: a sample is the time from writing a PING to reading its
 * PONG over a rock on the same path as the carried connections, including the gateway's time to
 * answer. Samples that span a suspension are discarded; while no fresh sample exists the status
 * line says {@code rtt n/a}.
 */
final class Tunnel implements AutoCloseable {
  /** How often the control rock measures the round-trip time. */
  static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);

  private final Endpoint local;
  private final Endpoint via;
  private final Endpoint to;
  private final RockOptions options;
  private final Display display;
  private final Links links;
  private final AtomicInteger sequence = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile InetSocketAddress gateway;
  private volatile ServerSocket listener;
  private volatile boolean closing;

  // The control rock and its latest round-trip sample.
  private volatile RockSocket control;
  private volatile Links.Link controlLink;
  private volatile long rttNanos = -1;
  private volatile long rttAtNanos;

  Tunnel(Endpoint local, Endpoint via, Endpoint to, RockOptions options, Display display) {
    this.local = local;
    this.via = via;
    this.to = to;
    this.options = options;
    this.display = display;
    this.links = new Links(display);
  }

  /**
   * Checks the gateway and the target, then listens on the local address.
   *
   * @throws CliException with {@link ExitCode#UNREACHABLE_GATEWAY}, {@link ExitCode#REFUSED} or
   *     {@link ExitCode#ERROR} (local address in use)
   */
  void start() throws CliException, InterruptedException {
    gateway = resolveGateway(via);
    openControl();
    try {
      ServerSocket socket = new ServerSocket();
      try {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(local.host()), local.port()), 50);
      } catch (IOException e) {
        socket.close();
        throw e;
      }
      listener = socket;
    } catch (IOException e) {
      close();
      throw new CliException(ExitCode.ERROR, "cannot listen on " + local + ": " + Links.Format.cause(e), e);
    }
    Thread.ofVirtual().name("rocks-tunnel-accept").start(this::acceptLoop);
    Thread.ofVirtual().name("rocks-tunnel-rtt").start(this::probeLoop);
  }

  static InetSocketAddress resolveGateway(Endpoint via) throws CliException {
    try {
      return via.resolve();
    } catch (UnknownHostException e) {
      throw new CliException(ExitCode.UNREACHABLE_GATEWAY, "cannot reach gateway " + via + ": " + e.getMessage(), e);
    }
  }

  /** The local address the tunnel listens on (with the port picked, if 0 was asked for). */
  InetSocketAddress localAddress() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  Links links() {
    return links;
  }

  /** Blocks until {@link #close} is called. */
  void awaitClosed() throws InterruptedException {
    stopped.await();
  }

  /** The latest round-trip time, or null if there is no fresh one. */
  Duration rtt() {
    long sample = rttNanos;
    RockSocket c = control;
    if (sample < 0 || c == null || c.rock().state() != RockState.CONNECTED
        || System.nanoTime() - rttAtNanos > 3 * PROBE_INTERVAL.toNanos()) {
      return null;
    }
    return Duration.ofNanos(sample);
  }

  /**
   * The status line: state, connections, bytes each way, rtt, current suspension, suspensions. A
   * suspension of the control link alone shows as {@code suspended 1.2 s (control link)} and counts
   * apart, {@code suspensions 0 (+1 control)}: the carried connections have not suspended.
   */
  String statusLine() {
    Links.Summary s = links.summary();
    Duration rtt = rtt();
    StringBuilder line = new StringBuilder();
    line.append(String.format("%-9s  ", s.state()))
        .append(s.openConnections())
        .append(s.openConnections() == 1 ? " conn" : " conns")
        .append("  up ")
        .append(Links.Format.bytes(s.bytesWritten()))
        .append("  down ")
        .append(Links.Format.bytes(s.bytesReceived()))
        .append("  rtt ")
        .append(rtt == null ? "n/a" : Links.Format.rtt(rtt))
        .append("  suspended ")
        .append(s.longestCurrentSuspension() == null ? "-" : Links.Format.duration(s.longestCurrentSuspension()));
    List<String> about = new ArrayList<>();
    if (s.longestCurrentSuspension() != null && s.longestIsControl()) {
      about.add("control link"); // no carried connection is suspended (yet)
    }
    if (s.longestCurrentSuspension() != null && s.reconnectAttempts() > 0) {
      about.add(s.reconnectAttempts() + (s.reconnectAttempts() == 1 ? " attempt" : " attempts"));
    }
    if (!about.isEmpty()) {
      line.append(" (").append(String.join(", ", about)).append(")");
    }
    line.append("  suspensions ").append(s.suspensions());
    if (s.controlSuspensions() > 0) {
      line.append(" (+").append(s.controlSuspensions()).append(" control)");
    }
    return line.toString();
  }

  /** Opens the control rock and checks the target with the gateway. */
  private void openControl() throws CliException, InterruptedException {
    RockSocket rock = connectRock(options, via, gateway);
    try {
      GatewayProtocol.Status status = request(rock, GatewayProtocol.CHECK, to, via, options);
      if (!status.ok()) {
        Pump.closeQuietly(rock);
        throw refusal(status, via, to);
      }
    } catch (CliException | RuntimeException e) {
      Pump.abort(rock);
      throw e;
    }
    control = rock;
    controlLink = links.add("control link", rock.rock(), true);
  }

  /** Connects a rock to the gateway, reporting failure as {@link ExitCode#UNREACHABLE_GATEWAY}. */
  static RockSocket connectRock(RockOptions options, Endpoint via, InetSocketAddress gateway)
      throws CliException {
    try {
      return Rocks.connectRock(gateway, options);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.UNREACHABLE_GATEWAY, "cannot reach gateway " + via + ": " + Links.Format.cause(e), e);
    }
  }

  /**
   * Sends a request and reads the gateway's status, within the handshake and connect timeouts plus
   * {@link Gateway#REQUEST_TIMEOUT}'s share for the gateway's own connect.
   */
  static GatewayProtocol.Status request(
      RockSocket rock, String verb, Endpoint target, Endpoint via, RockOptions options)
      throws CliException {
    Duration limit = options.connectTimeout().multipliedBy(2).plus(options.handshakeTimeout()).plusSeconds(5);
    try {
      OutputStream out = rock.getOutputStream();
      InputStream in = rock.getInputStream();
      GatewayProtocol.writeLine(out, verb + " " + target);
      rock.setSoTimeout((int) limit.toMillis());
      GatewayProtocol.Status status = GatewayProtocol.parseStatus(GatewayProtocol.readLine(in));
      rock.setSoTimeout(0);
      return status;
    } catch (RockTimeoutException e) {
      throw new CliException(ExitCode.RECONNECT_TIMEOUT, "link to gateway " + via + " lost: " + e.getMessage(), e);
    } catch (SocketTimeoutException e) {
      throw new CliException(
          ExitCode.UNREACHABLE_GATEWAY,
          "gateway " + via + " did not answer within " + Links.Format.duration(limit)
              + " (is it a rocks gateway, started with rocks serve?)",
          e);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.UNREACHABLE_GATEWAY,
          "gateway " + via + " failed: " + Links.Format.cause(e) + " (is it a rocks gateway, started with rocks serve?)",
          e);
    }
  }

  static CliException refusal(GatewayProtocol.Status status, Endpoint via, Endpoint to) {
    if (status.code().equals(GatewayProtocol.UNREACHABLE)) {
      return new CliException(ExitCode.UNREACHABLE_TARGET, "gateway " + via + " cannot reach " + to + ": " + status.message());
    }
    return new CliException(ExitCode.REFUSED, "gateway " + via + " refused " + to + ": " + status.message());
  }

  private void acceptLoop() {
    while (!closing) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (!closing) {
          display.warn("tunnel " + local + ": accept failed: " + Links.Format.cause(e));
          close();
        }
        return;
      }
      int number = sequence.incrementAndGet();
      Thread.ofVirtual().name("rocks-tunnel-" + number).start(() -> carry(client, number));
    }
  }

  private void carry(Socket client, int number) {
    String label = "conn #" + number + " from " + Links.Format.address((InetSocketAddress) client.getRemoteSocketAddress());
    open.add(client);
    RockSocket rock = null;
    Links.Link link = null;
    try {
      if (closing) { // close() may have aborted the open sockets before this one was added
        Pump.abort(client);
        return;
      }
      client.setTcpNoDelay(true);
      rock = connectRock(options, via, gateway);
      open.add(rock);
      link = links.add(label, rock.rock(), false);
      GatewayProtocol.Status status = request(rock, GatewayProtocol.CONNECT, to, via, options);
      if (!status.ok()) {
        display.warn(label + ": " + refusal(status, via, to).getMessage() + "; closing the connection");
        Pump.closeQuietly(rock);
        Pump.closeQuietly(client);
        return;
      }
      display.info(label + ": carried over rock " + shortId(rock) + " to " + to + " via " + via);
      Pump.Outcome outcome = Pump.splice(client, "client", rock, "rock", "rocks-tunnel-" + number);
      if (outcome.ok()) {
        display.info(label + ": closed (" + Links.Format.bytes(outcome.aToB()) + " up, "
            + Links.Format.bytes(outcome.bToA()) + " down)");
      } else if (!closing) {
        String why = outcome.failure() instanceof RockTimeoutException
            ? "the link to " + via + " was down longer than the reconnect timeout ("
                + Links.Format.duration(options.reconnectTimeout()) + ")"
            : "ended by the " + outcome.failedSide() + " side: " + Links.Format.cause(outcome.failure());
        display.warn(label + ": " + why + "; the connection was reset");
      }
    } catch (CliException e) {
      display.warn(label + ": " + e.getMessage() + "; closing the connection");
      Pump.abort(rock);
      Pump.abort(client);
    } catch (InterruptedException e) {
      Pump.abort(rock);
      Pump.abort(client);
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      display.warn(label + ": " + Links.Format.cause(e));
      Pump.abort(rock);
      Pump.abort(client);
    } finally {
      open.remove(client);
      if (rock != null) {
        open.remove(rock);
      }
      links.remove(link);
    }
  }

  static String shortId(RockSocket rock) {
    return rock.rock().id().toString().substring(0, 8);
  }

  /** Measures the round-trip time over the control rock; reopens it if it failed. */
  private void probeLoop() {
    long token = 0;
    while (!closing) {
      try {
        Thread.sleep(PROBE_INTERVAL); // the probe's pace, not a wait for a condition
      } catch (InterruptedException e) {
        return;
      }
      RockSocket rock = control;
      if (rock != null && (rock.rock().state().isTerminal() || rock.isClosed())) {
        dropControl(rock);
        rock = null;
      }
      if (rock == null) {
        reopenControl();
        continue;
      }
      if (rock.rock().state() != RockState.CONNECTED) {
        continue;
      }
      token++;
      try {
        int suspensionsBefore = rock.rock().stats().suspensions();
        long start = System.nanoTime();
        GatewayProtocol.writeLine(rock.getOutputStream(), GatewayProtocol.PING + " " + token);
        rock.setSoTimeout((int) Math.max(1000, options.reconnectTimeout().toMillis()));
        while (true) {
          String line = GatewayProtocol.readLine(rock.getInputStream());
          if (line.equals(GatewayProtocol.PONG + " " + token)) {
            break;
          }
          // a late answer to an earlier probe: skip it
        }
        long elapsed = System.nanoTime() - start;
        if (rock.rock().stats().suspensions() == suspensionsBefore) {
          rttNanos = elapsed;
          rttAtNanos = System.nanoTime();
        }
      } catch (IOException e) {
        if (!closing) {
          dropControl(rock);
        }
      }
    }
  }

  private void dropControl(RockSocket rock) {
    Pump.abort(rock);
    links.remove(controlLink);
    controlLink = null;
    control = null;
  }

  private void reopenControl() {
    try {
      RockSocket rock = connectRock(options, via, gateway);
      GatewayProtocol.Status status = request(rock, GatewayProtocol.CHECK, to, via, options);
      if (!status.ok() || closing) {
        Pump.closeQuietly(rock);
        return;
      }
      control = rock;
      controlLink = links.add("control link", rock.rock(), true);
    } catch (CliException e) {
      // the gateway is unreachable: the status line shows no rtt; try again at the next probe
    }
  }

  /** Stops listening and ends every carried connection abortively. Safe to call more than once. */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    Pump.closeQuietly(listener);
    RockSocket c = control;
    if (c != null) {
      links.remove(controlLink);
      Pump.abort(c); // tells the gateway at once, so it does not wait for the control rock to resume
    }
    for (Socket socket : open) {
      Pump.abort(socket);
    }
    stopped.countDown();
  }
}
