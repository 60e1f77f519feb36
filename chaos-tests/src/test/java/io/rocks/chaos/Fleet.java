package io.rocks.chaos;

import io.rocks.RockId;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.testkit.Await;
import io.rocks.testkit.Transfer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One end of many rocks between this JVM and one peer, each carrying seeded bytes both ways: a
 * rock's sender writes {@code bytesEachWay} bytes as the fleet's {@link Gate} allows, its receiver
 * reads exactly as many and fingerprints them. The seed of each direction derives from the rock's
 * id ({@link #seed}), so either end can tell what the other must have sent without pairing rocks
 * across processes. Used in the test JVM and, inside {@link FleetPeer}, in a child JVM.
 *
 * <p>Threads: {@link #connecting} connects on a few virtual threads while the calling thread waits; an
 * accepting fleet accepts on one virtual thread; each rock's sender and receiver run on virtual
 * threads of the fleet's pool. Every other method may be called from any thread; the list of
 * rocks is copy-on-write, each rock's counters atomic.
 */
final class Fleet implements FleetHandle {
  /** Which end of its rocks a fleet holds. */
  enum Side {
    CONNECTING,
    ACCEPTING;

    Side other() {
      return this == CONNECTING ? ACCEPTING : CONNECTING;
    }
  }

  static final int CHUNK_BYTES = 16 * 1024;
  /**
   * Handshakes in flight at once: enough to connect hundreds of rocks in a few seconds on loopback.
   * A connect counts until the rock has read WELCOME, not until {@link Rocks#connect} returns (it
   * returns once HELLO is sent): otherwise connects run ahead of a slow server, whose handshake
   * deadline (the handshake timeout from accept) then closes the connections it has not answered
   * in time, and those rocks fail before they are established.
   */
  private static final int CONNECTS_AT_ONCE = 8;

  private final String name;
  final Side side;
  final int size;
  final long bytesEachWay;
  final FleetEvents events;
  private final Gate gate = new Gate(0);
  private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Lane> lanes = new CopyOnWriteArrayList<>();
  /** The accepting end's server socket; null on the connecting end. */
  private final RockServerSocket server;
  private volatile Throwable acceptError;

  /** One rock and its transfer. */
  private record Lane(
      RockSocket socket, AtomicLong read, Future<Transfer.Digest> sent, Future<Transfer.Digest> received) {}

  private Fleet(String name, Side side, int size, long bytesEachWay, FleetEvents events, RockServerSocket server) {
    this.name = name;
    this.side = side;
    this.size = size;
    this.bytesEachWay = bytesEachWay;
    this.events = events;
    this.server = server;
  }

  /**
   * Listens on {@code address} (a free port) and accepts {@code size} rocks in the background,
   * starting each one's transfer as it arrives; {@link #port} tells the peer where to connect.
   */
  static Fleet accepting(String name, InetAddress address, int size, long bytesEachWay, FleetEvents events)
      throws IOException {
    RockServerSocket server =
        Rocks.rockServerSocket(new InetSocketAddress(address, 0), size, options(events));
    Fleet fleet = new Fleet(name, Side.ACCEPTING, size, bytesEachWay, events, server);
    fleet.pool.submit(fleet::acceptAll);
    return fleet;
  }

  /**
   * Connects {@code size} rocks to {@code address}, starting each one's transfer as it connects;
   * returns when all are connected, or throws the first failure (having closed what it opened).
   */
  static Fleet connecting(
      String name, InetSocketAddress address, int size, long bytesEachWay, FleetEvents events, Duration limit)
      throws Exception {
    Fleet fleet = new Fleet(name, Side.CONNECTING, size, bytesEachWay, events, null);
    try {
      RockOptions options = options(events);
      Semaphore inFlight = new Semaphore(CONNECTS_AT_ONCE);
      List<Future<?>> connects = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        inFlight.acquire();
        connects.add(
            fleet.pool.submit(
                () -> {
                  try {
                    RockSocket socket = Rocks.connectRock(address, options);
                    fleet.lanes.add(fleet.start(socket));
                    Await.until(limit, "rock " + socket.rock().id() + " read WELCOME", () -> socket.rock().state() != RockState.CONNECTING);
                  } finally {
                    inFlight.release();
                  }
                  return null;
                }));
      }
      long deadline = System.nanoTime() + limit.toNanos();
      for (Future<?> connect : connects) {
        connect.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      return fleet;
    } catch (Exception e) {
      try {
        fleet.close();
      } catch (Exception closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  private static RockOptions options(FleetEvents events) {
    return RockOptions.defaults().toBuilder().listeners(List.of(events)).build();
  }

  private Void acceptAll() {
    try {
      while (lanes.size() < size) {
        lanes.add(start(server.accept()));
      }
    } catch (Throwable t) {
      if (!server.isClosed()) {
        acceptError = t;
      }
    }
    return null;
  }

  private Lane start(RockSocket socket) {
    RockId id = socket.rock().id();
    AtomicLong read = new AtomicLong();
    Future<Transfer.Digest> sent =
        pool.submit(
            () -> Transfer.send(gate.wrap(socket.getOutputStream()), bytesEachWay, seed(id, side), CHUNK_BYTES, new AtomicLong()));
    Future<Transfer.Digest> received =
        pool.submit(() -> Transfer.receiveExactly(socket.getInputStream(), bytesEachWay, read));
    return new Lane(socket, read, sent, received);
  }

  /** The seed of the bytes the {@code from} end of rock {@code id} sends. */
  static long seed(RockId id, Side from) {
    return id.high() ^ Long.rotateLeft(id.low(), 17) ^ (from == Side.CONNECTING ? 0x5EED_C0DEL : 0x5EED_ACCEL);
  }

  /** What the {@code from} end of rock {@code id} sends when each end sends {@code bytesEachWay}. */
  static Transfer.Digest expected(RockId id, Side from, long bytesEachWay) {
    return Transfer.expected(bytesEachWay, seed(id, from), CHUNK_BYTES);
  }

  /** The accepting end's port. */
  int port() {
    return server.getLocalPort();
  }

  @Override
  public String threadDump() {
    return ThreadDumps.ofThisJvm(name);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void allow(long byteCount) {
    gate.allow(byteCount);
  }

  /**
   * Counts, as {@code key=value}: {@code rocks} held; how many are {@code connecting},
   * {@code connected}, {@code suspended}, {@code closed}, {@code failed}; {@code suspensions}
   * summed over the rocks' own counts; {@code minRead}, the fewest bytes any rock has read (0
   * until all are held); how many rocks have {@code sent} and {@code received} all their bytes;
   * and how many transfers {@code broken} by an error (or the accept loop).
   */
  @Override
  public Map<String, String> status() {
    Map<RockState, Integer> states = new EnumMap<>(RockState.class);
    long suspensions = 0;
    long minRead = Long.MAX_VALUE;
    int sent = 0;
    int received = 0;
    int broken = acceptError == null ? 0 : 1;
    for (Lane lane : lanes) {
      states.merge(lane.socket.rock().state(), 1, Integer::sum);
      suspensions += lane.socket.rock().stats().suspensions();
      minRead = Math.min(minRead, lane.read.get());
      sent += done(lane.sent) ? 1 : 0;
      received += done(lane.received) ? 1 : 0;
      broken += lane.sent.state() == Future.State.FAILED || lane.received.state() == Future.State.FAILED ? 1 : 0;
    }
    Map<String, String> status = new LinkedHashMap<>();
    status.put("rocks", Integer.toString(lanes.size()));
    for (RockState state : RockState.values()) {
      status.put(state.name().toLowerCase(Locale.ROOT), Integer.toString(states.getOrDefault(state, 0)));
    }
    status.put("suspensions", Long.toString(suspensions));
    status.put("minRead", Long.toString(lanes.size() < size ? 0 : minRead));
    status.put("sent", Integer.toString(sent));
    status.put("received", Integer.toString(received));
    status.put("broken", Integer.toString(broken));
    return status;
  }

  private static boolean done(Future<?> task) {
    return task.state() == Future.State.SUCCESS;
  }

  @Override
  public List<RockReport> report(Duration limit) {
    List<RockReport> reports = new ArrayList<>();
    for (Lane lane : lanes) {
      reports.add(
          new RockReport(
              lane.socket.rock().id(),
              lane.socket.rock().state(),
              lane.socket.rock().stats().suspensions(),
              result(lane.sent),
              result(lane.received),
              error(lane)));
    }
    return reports;
  }

  private static Transfer.Digest result(Future<Transfer.Digest> task) {
    return task.state() == Future.State.SUCCESS ? task.resultNow() : null;
  }

  private static String error(Lane lane) {
    for (Future<Transfer.Digest> task : List.of(lane.sent, lane.received)) {
      if (task.state() == Future.State.FAILED) {
        return String.valueOf(task.exceptionNow());
      }
    }
    return null;
  }

  @Override
  public List<PeerProcess.Event> events(String kind) {
    return events.events(kind);
  }

  /**
   * Aborts every rock ({@code SO_LINGER} 0: it ends at once, instead of delivering in the
   * background across recoveries for as long as its reconnect timeout), closes the server socket,
   * and waits up to 10 s for the transfers to end. Safe to call more than once.
   */
  @Override
  public void close() throws InterruptedException {
    for (Lane lane : lanes) {
      abort(lane.socket);
    }
    if (server != null) {
      try {
        server.close();
      } catch (IOException ignored) {
        // Closing a server socket has nothing to report that a test could act on.
      }
    }
    gate.open();
    pool.shutdownNow();
    if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + ": transfer tasks still running 10 s after the rocks were aborted");
    }
  }

  private static void abort(RockSocket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // A closed or failed rock has nothing to linger for.
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // close() never blocks and has nothing left to report here.
    }
  }
}
