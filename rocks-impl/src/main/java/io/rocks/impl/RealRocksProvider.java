package io.rocks.impl;

import com.typesafe.config.ConfigException;
import io.rocks.Rock;
import io.rocks.RockDetection;
import io.rocks.RockId;
import io.rocks.RockOptions;
import io.rocks.RockProtocolException;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.RocksMonitor;
import io.rocks.impl.core.Role;
import io.rocks.impl.crypto.KeyPairPool;
import io.rocks.impl.crypto.PendingKey;
import io.rocks.impl.io.Addresses;
import io.rocks.impl.io.Channels;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.Tls;
import io.rocks.impl.rock.Handshake;
import io.rocks.impl.rock.ProcessRocks;
import io.rocks.impl.rock.RealRock;
import io.rocks.impl.rock.RealRockSocket;
import io.rocks.impl.rock.RockHooks;
import io.rocks.impl.rock.Supervisor;
import io.rocks.impl.server.MixedServerSocket;
import io.rocks.impl.server.RealRockServerSocket;
import io.rocks.impl.wire.Wire;
import io.rocks.policy.RocksPolicy;
import io.rocks.spi.RocksProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The rocks implementation that {@link java.util.ServiceLoader} finds. Holds the policy it applies
 * and the per-endpoint detection cache; every rock and server socket carries its own state.
 * Thread-safe.
 */
public final class RealRocksProvider implements RocksProvider {
  private static final Logger log = LogManager.getLogger(RealRocksProvider.class);

  /**
   * Opens the connections of connecting rocks: TCP within the connect timeout, then TLS when the
   * options carry a context (verifying the server's host name, within the handshake timeout).
   */
  static final Supervisor.Dialer DIALER =
      (address, options) -> {
        // A channel's socket, so frames are written from direct buffers (Connection#channel).
        Socket socket = Channels.openSocket();
        try {
          socket.setTcpNoDelay(true);
          socket.connect(address, (int) Math.max(1, options.connectTimeout().toMillis()));
          return options.tls() == null ? socket : Tls.client(socket, address, options);
        } catch (IOException e) {
          Connection.closeQuietly(socket);
          throw e;
        }
      };

  /**
   * The application's policy ({@code application.conf} over defaults), loaded once on first use.
   * A configuration that cannot be loaded fails every use the same way: each call throws a new
   * {@link ConfigException} with the message of the first failure (key, value, file and line),
   * where a class initialiser would have thrown {@code ExceptionInInitializerError} once and
   * {@code NoClassDefFoundError} ever after. Loading twice at once is harmless (both get the same
   * answer); the first result stored wins.
   */
  static final class PolicyLoad {
    private final java.util.function.Supplier<RocksPolicy> loader;
    /** A {@link RocksPolicy} or the {@link ConfigException} that loading it threw; null before. */
    private volatile Object result;

    PolicyLoad(java.util.function.Supplier<RocksPolicy> loader) {
      this.loader = loader;
    }

    RocksPolicy get() {
      Object loaded = result;
      if (loaded == null) {
        try {
          loaded = loader.get();
        } catch (ConfigException e) {
          loaded = e;
        }
        synchronized (this) {
          if (result == null) {
            result = loaded;
          }
          loaded = result;
        }
      }
      if (loaded instanceof ConfigException failure) {
        throw new ConfigException.Generic(failure.getMessage(), failure);
      }
      return (RocksPolicy) loaded;
    }
  }

  private static final PolicyLoad APPLICATION_POLICY = new PolicyLoad(RocksPolicy::load);

  /** What detection found per endpoint, for the connections this provider makes. */
  private final EndpointCache endpoints = new EndpointCache();

  /** The policy this provider applies; null for the application's. */
  private final RocksPolicy policy;

  /** For {@link java.util.ServiceLoader}: applies the application's configured policy. */
  public RealRocksProvider() {
    KeyPairPool.warmUp(); // the X25519 tables and a few key pairs, before the first rock
    this.policy = null;
  }

  /** Applies {@code policy} instead of the application's configuration. */
  RealRocksProvider(RocksPolicy policy) {
    this.policy = policy;
  }

  /**
   * Returns a provider that applies {@code policy} instead of the application's configuration, as
   * the agent does with the file it was given.
   *
   * @param policy the policy to apply
   * @return a new provider with its own detection cache
   */
  public static RealRocksProvider withPolicy(RocksPolicy policy) {
    KeyPairPool.warmUp();
    io.rocks.impl.rock.ProcessWindowBudget.INSTANCE.limit(policy.windowBudget());
    return new RealRocksProvider(java.util.Objects.requireNonNull(policy, "policy"));
  }

  private RocksPolicy policy() {
    if (policy != null) {
      return policy;
    }
    RocksPolicy application = APPLICATION_POLICY.get();
    io.rocks.impl.rock.ProcessWindowBudget.INSTANCE.limit(application.windowBudget());
    return application;
  }

  @Override
  public RockOptions defaultOptions() {
    return policy().defaults();
  }

  @Override
  public Socket connect(String host, int port) throws IOException {
    InetSocketAddress remote = new InetSocketAddress(host, port);
    if (remote.isUnresolved()) {
      throw new UnknownHostException(host);
    }
    return connectByPolicy(host, remote.getAddress(), port, null);
  }

  /**
   * Connects as the policy says for {@code host} (as the application named it) at {@code address}:
   * plain, a rock, or whatever detection finds. {@code connectTimeout}, if not null, replaces the
   * policy's.
   */
  Socket connectByPolicy(String host, InetAddress address, int port, Duration connectTimeout)
      throws IOException {
    return connectByPolicy(host, address, port, connectTimeout, null);
  }

  /**
   * As {@link #connectByPolicy(String, InetAddress, int, Duration)}, from {@code local} if not null
   * (a socket the application bound before connecting). Only a plain connection can keep a local
   * address (a rock's connections change it when they reconnect): a bound socket connects plain
   * where detection would decide, and fails with a {@link java.net.SocketException} saying why where
   * the policy makes only rocks (assume-rock, TLS or a pre-shared secret).
   */
  Socket connectByPolicy(
      String host, InetAddress address, int port, Duration connectTimeout, InetSocketAddress local)
      throws IOException {
    InetSocketAddress remote = new InetSocketAddress(address, port);
    Optional<RockOptions> decided = policy().forConnect(host, address, port);
    if (decided.isEmpty()) {
      return plainSocket(remote, policy().defaults(), connectTimeout, local);
    }
    RockOptions options = decided.get();
    if (local != null) {
      if (options.detection() == RockDetection.ASSUME_ROCK || isAuthenticated(options)) {
        throw new java.net.SocketException("a rock cannot keep the local address " + Addresses.format(local)
            + " the socket was bound to (its connections change it when they reconnect), and the policy"
            + " makes connections to " + Addresses.format(remote) + " rocks only: exclude them to bind");
      }
      log.debug("{}: connecting plain, since the socket was bound to {} before connecting", Addresses.format(remote),
          Addresses.format(local));
      return plainSocket(remote, options, connectTimeout, local);
    }
    if (connectTimeout != null) {
      options = options.toBuilder().connectTimeout(connectTimeout).build();
    }
    if (options.detection() == RockDetection.ASSUME_ROCK || isAuthenticated(options)) {
      return connect(remote, options);
    }
    EndpointCache.Kind known = endpoints.get(remote);
    if (known == EndpointCache.Kind.ROCK) {
      return connect(remote, options);
    }
    if (known == EndpointCache.Kind.PLAIN) {
      return plainSocket(remote, options, null, null);
    }
    return probe(remote, options);
  }

  /**
   * First contact with an endpoint in detect mode: offers the rock handshake, without data, on a
   * connection the application never sees unless the answer is a rock's. Anything else (other
   * bytes, silence for the detect timeout, a close) means a plain server: the probe is closed and a
   * fresh plain connection returned, so the plain server sees nothing on it that the application
   * did not send.
   */
  private Socket probe(InetSocketAddress remote, RockOptions options) throws IOException {
    long start = System.nanoTime();
    Socket socket = DIALER.dial(remote, options);
    RealRock rock = newConnector(Handshake.newRockId(), remote, options);
    String verdict;
    try {
      Connection conn = new Connection(socket);
      Handshake.ClientSetup setup = Handshake.sendHello(conn, rock.id, options.preSharedSecret());
      socket.setSoTimeout((int) Math.max(1, options.detectTimeout().toMillis()));
      int magic = 0;
      try {
        while (magic == 0) {
          magic = conn.reader.readAndClassify();
        }
      } catch (SocketTimeoutException silent) {
        magic = -1;
      }
      Handshake.Welcomed welcomed = null;
      if (magic > 0) {
        socket.setSoTimeout((int) Math.max(1, options.handshakeTimeout().toMillis()));
        byte type;
        try {
          type = conn.reader.nextHandshake();
        } catch (RockProtocolException garbled) {
          type = -1; // the magic, then nothing a rocks server sends
        }
        if (type == Wire.WELCOME || type == Wire.REJECT) {
          // A rocks server: a refusal or a bad key is an error, never a reason to fall back to
          // plain. (Probes carry no pre-shared secret; a server that wants one proves its own with
          // a CONFIRM, which fails the rock as soon as it is read.)
          welcomed = Handshake.readWelcome(setup, rock.id, conn.reader, type);
        } else {
          magic = -1; // the magic came back as something else: an echo service reflecting HELLO
        }
      }
      if (magic > 0) {
        Handshake.Welcomed read = welcomed;
        rock.keys.established(new PendingKey(read::key));
        rock.attach(conn, 0, false, false);
        Supervisor.startConnector(rock, DIALER);
        endpoints.put(remote, EndpointCache.Kind.ROCK, options.detectCacheTtl().toNanos());
        log.debug("{} is a rocks server (found in {} us)", Addresses.format(remote), (System.nanoTime() - start) / 1000);
        ProcessRocks.INSTANCE.add(rock);
        return new RealRockSocket(rock);
      }
      verdict = "answered the rock handshake with something else, or nothing";
    } catch (java.io.EOFException | java.net.SocketException closedOnUs) {
      verdict = "closed the connection on the rock handshake";
    } catch (IOException e) {
      Connection.closeQuietly(socket);
      throw e;
    }
    Connection.closeQuietly(socket);
    endpoints.put(remote, EndpointCache.Kind.PLAIN, options.detectCacheTtl().toNanos());
    log.debug("{} {}: connecting plain (remembered for {})", Addresses.format(remote), verdict, options.detectCacheTtl());
    return plainSocket(remote, options, null, null);
  }

  /**
   * Returns true if the options ask for an authenticated peer (TLS or a pre-shared secret). Such a
   * connection is never downgraded to plain by detection: a silent or strange answer is an error.
   */
  static boolean isAuthenticated(RockOptions options) {
    return options.tls() != null || options.preSharedSecret() != null;
  }

  /**
   * Connects a plain socket, from {@code local} if not null: the JDK's own, or under the agent what
   * it gave {@link Channels#plainSocketsFrom}.
   */
  private static Socket plainSocket(
      InetSocketAddress remote, RockOptions options, Duration timeout, InetSocketAddress local)
      throws IOException {
    Socket socket = Channels.openPlainSocket();
    try {
      if (local != null) {
        socket.bind(local);
      }
      Duration limit = timeout != null ? timeout : options.connectTimeout();
      socket.connect(remote, (int) Math.max(1, limit.toMillis()));
      return socket;
    } catch (IOException e) {
      Connection.closeQuietly(socket);
      throw e;
    }
  }

  @Override
  public ServerSocket bind(InetSocketAddress local, int backlog) throws IOException {
    RocksPolicy rules = policy();
    Optional<RockOptions> decided = rules.forListen(local.getPort());
    if (decided.isEmpty()) {
      ServerSocket plain = Channels.openPlainServerSocket();
      try {
        plain.bind(local, backlog);
      } catch (IOException e) {
        plain.close();
        throw e;
      }
      return plain;
    }
    RockOptions options = decided.get();
    // A port that demands authentication serves rocks only: plain clients would bypass it.
    boolean servesPlain = options.detection() == RockDetection.DETECT && !isAuthenticated(options);
    RealRockServerSocket rocks =
        new RealRockServerSocket(local, backlog, options, rules::forAccepted, servesPlain);
    return servesPlain ? new MixedServerSocket(rocks) : rocks;
  }

  @Override
  public Socket unconnectedSocket() throws IOException {
    return new ConnectingSocket(this);
  }

  @Override
  public ServerSocket unboundServerSocket() throws IOException {
    return new BindingServerSocket(this);
  }

  @Override
  public Optional<Rock> rockOf(Socket socket) {
    if (socket instanceof ConnectingSocket connecting
        && connecting.connected() instanceof RockSocket rockSocket) {
      return Optional.of(rockSocket.rock());
    }
    return Optional.empty();
  }

  @Override
  public RockSocket connect(InetSocketAddress remote, RockOptions options) throws IOException {
    return connect(remote, options, DIALER);
  }

  static RockSocket connect(InetSocketAddress remote, RockOptions options, Supervisor.Dialer dialer)
      throws IOException {
    Socket socket = dialer.dial(remote, options);
    RealRock rock;
    try {
      // HELLO first: the server makes its side of the rock while this side makes its own.
      RockId id = Handshake.newRockId();
      Connection conn = new Connection(socket);
      Handshake.ClientSetup hello = Handshake.sendHello(conn, id, options.preSharedSecret());
      long helloSentAt = System.nanoTime();
      rock = newConnector(id, remote, options);
      // Supervised before its first connection is attached: a connection that breaks at once,
      // before WELCOME, finds the supervisor that says HELLO again.
      Supervisor.startConnector(rock, dialer);
      rock.establishment.helloSent(hello, helloSentAt);
      rock.attach(conn, 0, false, false);
    } catch (IOException e) {
      IOException reason = Tls.explain(socket, e);
      Connection.closeQuietly(socket);
      throw reason;
    }
    ProcessRocks.INSTANCE.add(rock);
    return new RealRockSocket(rock);
  }

  private static RealRock newConnector(RockId id, InetSocketAddress remote, RockOptions options) {
    return new RealRock(
        id,
        Role.CONNECTOR,
        options,
        remote,
        RockState.CONNECTING,
        RockHooks.NONE);
  }

  @Override
  public RocksMonitor monitor() {
    return ProcessRocks.INSTANCE;
  }

  @Override
  public RockServerSocket bind(InetSocketAddress local, int backlog, RockOptions options)
      throws IOException {
    return new RealRockServerSocket(local, backlog, options, (localPort, remote) -> options, false);
  }
}
