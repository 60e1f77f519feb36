package io.rocks.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eu.rekawek.toxiproxy.Proxy;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.RockStats;
import io.rocks.Rocks;
import io.rocks.testkit.Await;
import io.rocks.testkit.Transfer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A rock server on loopback, a Toxiproxy proxy in front of it, a client rock connected through
 * the proxy, and a transfer both ways at once between them, with the measurements a chaos scenario
 * reports.
 *
 * <p>The client reconnects to the address it first connected to, the proxy's, so every connection
 * of the rock, first or resumed, crosses the proxy and its toxics.
 */
final class ProxiedRocks implements AutoCloseable {
  static final long MIB = 1024 * 1024;
  static final int CHUNK_BYTES = 64 * 1024;
  static final long CLIENT_SEED = 0x5EED_0001L;
  static final long SERVER_SEED = 0x5EED_0002L;

  final Toxi toxi;
  final Scenario scenario;
  final RockOptions options;
  final Proxy proxy;
  final RockServerSocket server;
  final RockSocket client;
  final RockSocket accepted;
  final RockEvents clientEvents = new RockEvents("client");
  final RockEvents serverEvents = new RockEvents("server");
  final long originNanos = System.nanoTime();

  private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
  private Gate gate;
  private long bytesEachWay;
  private final AtomicLong clientReceived = new AtomicLong();
  private final AtomicLong serverReceived = new AtomicLong();
  private Future<Transfer.Digest> clientSent;
  private Future<Transfer.Digest> serverSent;
  private Future<Transfer.Digest> clientGot;
  private Future<Transfer.Digest> serverGot;

  /** Something to do to the proxy after it exists and before the client connects through it. */
  @FunctionalInterface
  interface ProxySetup {
    void apply(Proxy proxy) throws Exception;
  }

  private ProxiedRocks(Toxi toxi, Scenario scenario, RockOptions options, String proxyName, ProxySetup setup)
      throws Exception {
    this.toxi = toxi;
    this.scenario = scenario;
    this.options = options;
    RockServerSocket serverSocket = null;
    RockSocket clientSocket = null;
    try {
      serverSocket =
          Rocks.rockServerSocket(
              0,
              InetAddress.getLoopbackAddress(),
              options.toBuilder().listeners(List.of(serverEvents)).build());
      serverSocket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
      proxy = toxi.createProxy(proxyName, "127.0.0.1:" + serverSocket.getLocalPort());
      setup.apply(proxy);
      clientSocket =
          Rocks.connectRock(listenAddress(proxy), options.toBuilder().listeners(List.of(clientEvents)).build());
      accepted = serverSocket.accept();
    } catch (Exception e) {
      if (clientSocket != null) {
        abort(clientSocket);
      }
      if (serverSocket != null) {
        serverSocket.close();
      }
      pool.shutdownNow();
      throw e;
    }
    server = serverSocket;
    client = clientSocket;
    Await.until(
        Duration.ofSeconds(10),
        "both rocks connected",
        () -> client.rock().state() == RockState.CONNECTED && accepted.rock().state() == RockState.CONNECTED);
  }

  static ProxiedRocks open(Toxi toxi, Scenario scenario, RockOptions options, String proxyName)
      throws Exception {
    return new ProxiedRocks(toxi, scenario, options, proxyName, proxy -> {});
  }

  static ProxiedRocks open(
      Toxi toxi, Scenario scenario, RockOptions options, String proxyName, ProxySetup setup)
      throws Exception {
    return new ProxiedRocks(toxi, scenario, options, proxyName, setup);
  }

  static InetSocketAddress listenAddress(Proxy proxy) {
    String listen = proxy.getListen();
    int colon = listen.lastIndexOf(':');
    return new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
  }

  // ---------------------------------------------------------------- transfer

  /**
   * Starts moving {@code bytes} each way at once; each sender first waits at the gate once it has
   * written {@code allowance} bytes, until {@link #allow} or {@link #finish}.
   */
  void startTransfer(long bytes, long allowance) {
    bytesEachWay = bytes;
    gate = new Gate(allowance);
    clientSent = pool.submit(() -> sendThenShutdown(client, bytes, CLIENT_SEED));
    serverSent = pool.submit(() -> sendThenShutdown(accepted, bytes, SERVER_SEED));
    clientGot = pool.submit(() -> Transfer.receive(client.getInputStream(), clientReceived));
    serverGot = pool.submit(() -> Transfer.receive(accepted.getInputStream(), serverReceived));
  }

  private Transfer.Digest sendThenShutdown(Socket socket, long bytes, long seed) throws IOException {
    OutputStream out = gate.wrap(socket.getOutputStream());
    Transfer.Digest digest = Transfer.send(out, bytes, seed, CHUNK_BYTES, new AtomicLong());
    socket.shutdownOutput();
    return digest;
  }

  /** Lets both senders write up to {@code bytes} in total. */
  void allow(long bytes) {
    gate.allow(bytes);
  }

  /** Bytes the server has read from the client, and the client from the server. */
  long deliveredToServer() {
    return serverReceived.get();
  }

  long deliveredToClient() {
    return clientReceived.get();
  }

  /** Waits until both sides have read at least {@code bytes} from the other. */
  void awaitDelivered(long bytes, Duration timeout) throws Exception {
    Await.until(
        timeout,
        "both sides read " + bytes + " bytes (server has " + serverReceived.get() + ", client " + clientReceived.get() + ")",
        () -> {
          failFastIfTransferBroke();
          return serverReceived.get() >= bytes && clientReceived.get() >= bytes;
        });
  }

  /** Throws at once if a transfer task ended with an error, instead of waiting out a deadline. */
  void failFastIfTransferBroke() {
    for (Future<Transfer.Digest> task : List.of(clientSent, serverSent, clientGot, serverGot)) {
      if (task.isDone() && task.state() == Future.State.FAILED) {
        throw new AssertionError("a transfer task failed: " + task.exceptionNow() + "\n" + describe(), task.exceptionNow());
      }
    }
  }

  /**
   * Opens the gate, waits for the whole transfer and the orderly end of both rocks, and checks that
   * each side received exactly what the other sent: same byte count and SHA-256, so nothing lost and
   * nothing duplicated. Records the bytes moved in the scenario.
   */
  void finishAndVerify(Duration timeout) throws Exception {
    gate.open();
    long deadline = System.nanoTime() + timeout.toNanos();
    Transfer.Digest expectedToServer = Transfer.expected(bytesEachWay, CLIENT_SEED, CHUNK_BYTES);
    Transfer.Digest expectedToClient = Transfer.expected(bytesEachWay, SERVER_SEED, CHUNK_BYTES);
    Transfer.Digest sentByClient = get(clientSent, deadline, "client send");
    Transfer.Digest sentByServer = get(serverSent, deadline, "server send");
    Transfer.Digest gotByServer = get(serverGot, deadline, "server receive");
    Transfer.Digest gotByClient = get(clientGot, deadline, "client receive");
    scenario.bytes(gotByServer.bytes(), gotByClient.bytes());
    assertEquals(expectedToServer, sentByClient, "what the client sent");
    assertEquals(expectedToClient, sentByServer, "what the server sent");
    assertEquals(expectedToServer, gotByServer, "what the server received (SHA-256 of every byte)");
    assertEquals(expectedToClient, gotByClient, "what the client received (SHA-256 of every byte)");

    Await.until(
        Duration.ofSeconds(30),
        "both rocks closed in order\n" + describe(),
        () -> client.rock().state() == RockState.CLOSED && accepted.rock().state() == RockState.CLOSED);
    RockStats clientStats = client.rock().stats();
    RockStats serverStats = accepted.rock().stats();
    for (RockStats stats : List.of(clientStats, serverStats)) {
      assertEquals(bytesEachWay, stats.bytesWritten(), "bytes written " + stats);
      assertEquals(bytesEachWay, stats.bytesAcknowledged(), "bytes acknowledged " + stats);
      assertEquals(bytesEachWay, stats.bytesReceived(), "bytes received " + stats);
    }
    // The listeners agree with the counters. The accepting side may also count a failure only its
    // peer noticed (the peer came back before this side saw its connection die): it never was
    // SUSPENDED then, so it reports a resume without a suspension.
    int clientSuspensions = clientStats.suspensions();
    int serverSuspensions = serverStats.suspensions();
    Await.until(
        Duration.ofSeconds(5),
        "the listeners saw every suspension and resume\n" + describe(),
        () -> clientEvents.suspensions() == clientSuspensions
            && clientEvents.resumes() == clientSuspensions
            && serverEvents.resumes() == serverSuspensions
            && serverEvents.suspensions() <= serverSuspensions);
    // Nothing leaked: a rock that ended left no thread behind, and the server forgot it.
    Await.until(
        Duration.ofSeconds(10),
        "no thread left serving rock " + client.rock().id() + " and the server socket holds no rock",
        () -> Leaks.liveRockThreads(client.rock().id()) == 0 && Leaks.liveRocks(server) == 0);
    if (serverEvents.suspensions() < serverSuspensions) {
      scenario.note(
          "server counted " + serverSuspensions + " suspensions but reported "
              + serverEvents.suspensions() + " as suspended (the rest only its peer noticed)");
    }
  }

  private static Transfer.Digest get(Future<Transfer.Digest> task, long deadline, String what)
      throws Exception {
    try {
      return task.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new TimeoutException(what + " did not finish in time");
    } catch (ExecutionException e) {
      throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
    }
  }

  /** The first failure of a transfer task, once it ended; for scenarios that expect one. */
  Throwable transferFailure(Future<Transfer.Digest> task, Duration timeout) throws Exception {
    try {
      Transfer.Digest digest = task.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      throw new AssertionError("expected the transfer to fail, but it finished: " + digest);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  Future<Transfer.Digest> clientSendTask() {
    return clientSent;
  }

  Future<Transfer.Digest> serverSendTask() {
    return serverSent;
  }

  Future<Transfer.Digest> clientReceiveTask() {
    return clientGot;
  }

  Future<Transfer.Digest> serverReceiveTask() {
    return serverGot;
  }

  // ---------------------------------------------------------------- faults and measurements

  /** The policy's bound on detecting a silent cut: never a target, a limit that must not flake. */
  Duration detectionBound() {
    return options.failureDetectionTime().plus(Duration.ofSeconds(3));
  }

  /** The policy's bound on resuming once a fault is healed. */
  Duration resumeBound() {
    return options.backoffCap().plus(options.handshakeTimeout()).plus(Duration.ofSeconds(3));
  }

  /** One injected fault and the counts it is measured against. */
  final class Fault {
    final String kind;
    final long injectedAt;
    final int clientSuspensionsBefore;
    final int serverSuspensionsBefore;
    long healedAt;
    int clientResumesBefore;
    Duration detection;
    Duration resume;

    private Fault(String kind, long injectedAt) {
      this.kind = kind;
      this.injectedAt = injectedAt;
      this.clientSuspensionsBefore = clientEvents.suspensions();
      this.serverSuspensionsBefore = serverEvents.suspensions();
    }
  }

  /**
   * Injects a fault: takes the time, then runs {@code action}. The detection time is measured from
   * before the request to the proxy, so it includes the request's own latency: a bound, never
   * flattering.
   */
  Fault inject(String kind, TimeLimit.Action action) throws Exception {
    Fault fault = new Fault(kind, System.nanoTime());
    action.run();
    scenario.failureInjected();
    return fault;
  }

  /**
   * Waits until the client rock suspends after {@code fault}, records the detection time and checks
   * it against {@code bound}.
   */
  Duration awaitClientSuspended(Fault fault, Duration bound) throws Exception {
    Await.until(
        bound.plus(Duration.ofSeconds(10)),
        "client suspends after " + fault.kind + "\n" + describe(),
        () -> clientEvents.suspensions() > fault.clientSuspensionsBefore);
    fault.detection = Duration.ofNanos(clientEvents.suspendedAt(fault.clientSuspensionsBefore) - fault.injectedAt);
    scenario.detected(fault.detection);
    assertTrue(
        fault.detection.compareTo(bound) <= 0,
        fault.kind + ": detected after " + fault.detection.toMillis() + " ms, bound " + bound.toMillis() + " ms");
    return fault.detection;
  }

  /** Waits until the server rock, too, has given up the connection the fault broke. */
  void awaitServerSuspended(Fault fault, Duration timeout) throws Exception {
    Await.until(
        timeout,
        "server suspends after " + fault.kind + "\n" + describe(),
        () -> serverEvents.suspensions() > fault.serverSuspensionsBefore);
  }

  /** Heals {@code fault}: takes the time, then runs {@code action}. */
  void heal(Fault fault, TimeLimit.Action action) throws Exception {
    fault.clientResumesBefore = clientEvents.resumes();
    fault.healedAt = System.nanoTime();
    action.run();
  }

  /** Waits until the client rock resumes after the heal; records the resume time, checks the bound. */
  Duration awaitResumed(Fault fault, Duration bound) throws Exception {
    Await.until(
        bound.plus(Duration.ofSeconds(10)),
        "client resumes after healing " + fault.kind + "\n" + describe(),
        () -> clientEvents.resumes() > fault.clientResumesBefore);
    fault.resume = Duration.ofNanos(clientEvents.resumedAt(fault.clientResumesBefore) - fault.healedAt);
    scenario.resumed(fault.resume);
    assertTrue(
        fault.resume.compareTo(bound) <= 0,
        fault.kind + ": resumed " + fault.resume.toMillis() + " ms after healing, bound " + bound.toMillis() + " ms");
    Await.until(
        Duration.ofSeconds(10),
        "both rocks connected after healing " + fault.kind,
        () -> client.rock().state() == RockState.CONNECTED && accepted.rock().state() == RockState.CONNECTED);
    return fault.resume;
  }

  /** The events of both rocks and their counters; for failure messages. */
  String describe() {
    return clientEvents.describe(originNanos)
        + "\n"
        + serverEvents.describe(originNanos)
        + "\nclient "
        + client.rock().state()
        + " "
        + client.rock().stats()
        + "\nserver "
        + accepted.rock().state()
        + " "
        + accepted.rock().stats()
        + "\ndelivered to server "
        + serverReceived.get()
        + ", to client "
        + clientReceived.get();
  }

  // ---------------------------------------------------------------- cleanup

  /** Ends everything, also after a failure: transfer tasks, both rocks, the server, the proxy. */
  @Override
  public void close() throws IOException {
    if (gate != null) {
      gate.open();
    }
    abort(client);
    abort(accepted);
    server.close();
    pool.shutdownNow();
    boolean ended;
    try {
      ended = pool.awaitTermination(10, TimeUnit.SECONDS);
      toxi.delete(proxy);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("cleaning up proxy " + proxy.getName() + ": " + e, e);
    }
    if (!ended) {
      throw new IllegalStateException("transfer tasks still running 10 s after the rocks were aborted");
    }
  }

  private static void abort(Socket socket) {
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
