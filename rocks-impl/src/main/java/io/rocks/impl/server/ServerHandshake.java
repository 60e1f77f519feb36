package io.rocks.impl.server;

import io.rocks.RockId;
import io.rocks.RockOptions;
import io.rocks.RockProtocolException;
import io.rocks.RockRefusal;
import io.rocks.RockSecret;
import io.rocks.RockState;
import io.rocks.impl.core.Resumption;
import io.rocks.impl.core.Role;
import io.rocks.impl.crypto.KeyAgreement25519;
import io.rocks.impl.crypto.PendingKey;
import io.rocks.impl.io.Addresses;
import io.rocks.impl.io.Connection;
import io.rocks.impl.io.Deadlines;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.io.Tls;
import io.rocks.impl.rock.Handshake;
import io.rocks.impl.rock.ProcessRocks;
import io.rocks.impl.rock.RealRock;
import io.rocks.impl.rock.Supervisor;
import io.rocks.impl.wire.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.util.function.BiFunction;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server's side of the handshake of one accepted connection: TLS if configured, detection of
 * a plain client on a port that serves them, then HELLO (a new rock, answered with WELCOME and
 * queued for {@code accept()}) or RESUME (a rock of the {@link RockRegistry} given its new
 * connection once the peer proved it holds the key).
 *
 * <p>Threads: one virtual thread per accepted connection runs {@link #run}, holding one of the
 * server socket's handshake permits; the object itself is shared by all of them and holds no
 * mutable state.
 */
final class ServerHandshake {
  private static final Logger log = LogManager.getLogger(ServerHandshake.class);

  private final RealRockServerSocket server;
  private final RockRegistry registry;
  /** Options for the handshake itself, before the peer's rule is known. */
  private final RockOptions options;
  /** Chooses the options of each accepted rock from the local port and the peer's address. */
  private final BiFunction<Integer, InetSocketAddress, RockOptions> optionsFor;
  /** True if plain clients are served too (detection), false if only rocks are. */
  private final boolean servesPlain;
  private final int backlog;

  ServerHandshake(
      RealRockServerSocket server,
      RockRegistry registry,
      RockOptions options,
      BiFunction<Integer, InetSocketAddress, RockOptions> optionsFor,
      boolean servesPlain,
      int backlog) {
    this.server = server;
    this.registry = registry;
    this.options = options;
    this.optionsFor = optionsFor;
    this.servesPlain = servesPlain;
    this.backlog = backlog;
  }

  /** Runs the handshake of one accepted connection; returns what to do next, or null. */
  Runnable run(Socket tcp) {
    Connection conn = null;
    Socket socket = tcp;
    long limitMillis =
        options.handshakeTimeout().toMillis() + (servesPlain ? options.detectTimeout().toMillis() : 0);
    // Socket timeouts bound each read; this bounds the whole handshake, so a peer trickling bytes
    // cannot hold a handshake permit for long.
    Deadlines.Deadline deadline = Deadlines.schedule(() -> Connection.closeQuietly(tcp), limitMillis);
    try {
      tcp.setTcpNoDelay(true);
      tcp.setSoTimeout((int) Math.max(1, options.handshakeTimeout().toMillis()));
      if (options.tls() != null) {
        socket = Tls.server(tcp, options);
        socket.setSoTimeout((int) Math.max(1, options.handshakeTimeout().toMillis()));
      }
      conn = new Connection(socket);
      conn.handshakeDeadline = deadline;
      if (servesPlain && !startsLikeARock(conn)) {
        if (server.queued() >= backlog) {
          ProcessRocks.INSTANCE.refused(RockRefusal.BACKLOG_FULL);
          conn.refused = true;
          throw new SocketException(
              "plain connection dropped: " + backlog + " connections wait to be accepted (backlog full)");
        }
        socket.setSoTimeout(0);
        if (!deadline.cancel()) {
          throw new SocketException("the handshake's deadline passed as it ended");
        }
        server.enqueue(new PrefixedSocket(socket, conn.reader.unparsed()));
        return null;
      }
      byte type;
      try {
        type = conn.reader.nextHandshake();
      } catch (FrameReader.UnsupportedVersionException e) {
        Handshake.reject(conn, RockRefusal.UNSUPPORTED_VERSION, Wire.REJECT_UNSUPPORTED_VERSION, "this server speaks rocks version " + Wire.VERSION);
        throw e;
      }
      switch (type) {
        case Wire.HELLO -> {
          return establish(conn);
        }
        case Wire.RESUME -> resume(conn);
        default ->
            throw new RockProtocolException(
                "expected HELLO or RESUME, got " + Wire.typeName(type));
      }
    } catch (Resumption.BadProofException e) {
      log.warn("rocks server {}: {}", Addresses.format(server.getLocalSocketAddress()), e.getMessage());
      closeQuietly(conn, socket);
    } catch (IOException | RuntimeException e) {
      if (conn == null || !conn.refused) {
        ProcessRocks.INSTANCE.refused(conn != null && conn.reader.receivedNothing()
            ? RockRefusal.EMPTY_CONNECTION
            : RockRefusal.HANDSHAKE_FAILED);
      }
      log.debug(
          "rocks server {}: handshake with {} failed: {}",
          Addresses.format(server.getLocalSocketAddress()),
          Addresses.format(socket.getRemoteSocketAddress()),
          e.toString());
      closeQuietly(conn, socket);
    } finally {
      deadline.cancel();
    }
    return null;
  }

  /**
   * Reads the connection's first bytes, waiting at most the detect timeout: true if they are a
   * rock handshake's magic, false for other bytes or silence (a plain client; the bytes read stay
   * in the reader for the plain socket). Restores the handshake timeout before returning true.
   */
  private boolean startsLikeARock(Connection conn) throws IOException {
    conn.socket.setSoTimeout((int) Math.max(1, options.detectTimeout().toMillis()));
    int magic = 0;
    try {
      while (magic == 0) {
        magic = conn.reader.readAndClassify();
      }
    } catch (SocketTimeoutException silent) {
      return false;
    }
    conn.socket.setSoTimeout((int) Math.max(1, options.handshakeTimeout().toMillis()));
    return magic > 0;
  }

  /**
   * Makes a new rock from HELLO, answers it, and queues the rock for {@link #accept}. Returns what
   * this thread does next, after its handshake permit is returned: read the rock's connection (a
   * new rock without a pre-shared secret; its reader thread is not started), or nothing.
   */
  private Runnable establish(Connection conn) throws IOException {
    Handshake.Hello hello = Handshake.readHello(conn.reader);
    RealRock existing = registry.find(hello.id());
    if (existing != null) {
      // The handshake that made it may still be finishing on another thread (a loaded server can
      // take longer than the client waits for WELCOME): what it sent is weighed once it is done.
      // At most half of this handshake's own time left, so the answer still goes out before its
      // deadline closes the connection (and the permit it holds is not held for long).
      existing.keys.awaitWelcomed(conn.handshakeDeadline.remainingNanos() / 2);
      byte[] welcome = existing.keys.welcomeAgainFor(hello.body());
      if (welcome != null) {
        return welcomeAgain(existing, conn, welcome);
      }
      if (existing.keys.unconfirmedFrom(hello.body())) {
        // Not accepted yet (its connector has not proved the pre-shared secret), and this is its
        // HELLO again: the rock is made anew from it, and the old one ends unseen.
        existing.fail(new RockProtocolException(
            "rock " + hello.id() + " said HELLO again before it proved the pre-shared secret"));
      } else {
        Handshake.reject(conn, RockRefusal.DUPLICATE_ID, Wire.REJECT_DUPLICATE_ID, "rock id in use");
        throw new RockProtocolException("HELLO reuses the id of live rock " + hello.id());
      }
    }
    if (server.queued() >= backlog) {
      Handshake.reject(conn, RockRefusal.BACKLOG_FULL, Wire.REJECT_BUSY, "server backlog full");
      throw new RockProtocolException(
          "HELLO refused: " + backlog + " rocks wait to be accepted (backlog full)");
    }
    try {
      KeyAgreement25519.checkPublicKey(hello.clientPublic());
    } catch (GeneralSecurityException e) {
      Handshake.reject(conn, RockRefusal.BAD_KEY, Wire.REJECT_BAD_KEY, "bad public key");
      throw new RockProtocolException("HELLO refused: " + e.getMessage());
    }
    RockOptions rockOptions = optionsFor.apply(server.getLocalPort(), conn.remote());
    RockSecret secret = rockOptions.preSharedSecret();
    // Without a secret the rock's first ACK rides along with WELCOME; with one, its CONFIRM comes
    // first, once the key is derived.
    long window = secret == null ? rockOptions.receiveWindow() : -1;
    Handshake.ServerSetup setup = Handshake.sendWelcome(conn, hello, window);
    // With a pre-shared secret the application gets the rock only once the client proved it.
    RealRock rock =
        new RealRock(
            hello.id(),
            Role.ACCEPTOR,
            rockOptions,
            conn.remote(),
            RockState.CONNECTED,
            server.hooks(secret == null));
    if (!registry.add(rock)) {
      throw new RockProtocolException("HELLO reuses the id of live rock " + hello.id());
    }
    ProcessRocks.INSTANCE.add(rock);
    if (secret == null) {
      // Nothing to prove: the key waits until a resume needs it.
      rock.keys.keyPending(new PendingKey(() -> Handshake.serverKey(setup, null)), window);
      conn.readByAttacher = true; // this thread reads it, once the handshake's permit is returned
    }
    try {
      if (secret == null) {
        // WELCOME is out: the rock is kept even if this connection's deadline fired meanwhile.
        rock.attachFirstAccepted(conn);
      } else {
        rock.attach(conn, 0, false, false);
      }
    } catch (IOException | RuntimeException e) {
      // Never handed out: it leaves the registry, so that its client's HELLO said again makes it
      // anew instead of finding its id in use.
      rock.fail(new RockProtocolException("rock " + hello.id() + ": its handshake failed: " + e.getMessage()));
      throw e;
    }
    rock.keys.welcomed(hello.body(), secret == null ? setup.keyAndNonce() : null);
    Supervisor.startAcceptor(rock, () -> !server.isClosed());
    if (secret == null) {
      server.enqueue(rock);
      return () -> rock.serveAsReader(conn);
    }
    Deadlines.schedule(rock.keys::failIfUnconfirmed, rockOptions.handshakeTimeout().toMillis());
    // The key agreement runs now, while the client computes its own; the rock sends nothing
    // before its CONFIRM, and is accepted once the client's CONFIRM proved the secret.
    Handshake.Welcome welcome;
    try {
      welcome = Handshake.deriveServerKey(setup, secret);
    } catch (RockProtocolException e) {
      rock.fail(e); // not accepted yet, so never handed to the application
      throw e;
    }
    rock.keys.keyDerived(welcome.key(), welcome.serverConfirm(), welcome.expectedClientConfirm());
    return null;
  }

  /**
   * The connector of {@code rock} said the same HELLO again: its first connection broke before
   * WELCOME reached it, after this server made the rock (which the application may have accepted
   * and read from). Sends the same WELCOME again and attaches the new connection to the rock: the
   * connector sends its stream again from the start (what arrived already is skipped), and this
   * side sends its own from the start, since the connector received none of it. Returns the
   * connection's reading, as for a new rock.
   */
  private Runnable welcomeAgain(RealRock rock, Connection conn, byte[] welcome) throws IOException {
    Handshake.sendWelcomeAgain(conn, welcome);
    conn.readByAttacher = true;
    rock.attach(conn, 0, false, true);
    log.debug("rocks server {}: rock {} said HELLO again from {}, its WELCOME lost; welcomed again",
        Addresses.format(server.getLocalSocketAddress()), rock.id, Addresses.format(conn.remote()));
    return () -> rock.serveAsReader(conn);
  }

  private void resume(Connection conn) throws IOException {
    byte[] idBytes = conn.reader.bodyBytes(0, Wire.ID_BYTES);
    RockId id = new RockId(Handshake.longAt(idBytes, 0), Handshake.longAt(idBytes, 8));
    byte[] clientNonce = conn.reader.bodyBytes(Wire.ID_BYTES, Wire.NONCE_BYTES);
    RealRock rock = registry.find(id);
    if (registry.wasDropped(id)) {
      Handshake.reject(conn, RockRefusal.DROPPED, Wire.REJECT_BUSY, "rock dropped: the server held its limit of suspended rocks");
      throw new RockProtocolException("RESUME of rock " + id + ", dropped for capacity");
    }
    if (rock == null || rock.lifeState().isTerminal() || !rock.keys.isEstablished()) {
      // Not established: the rock's own handshake is still deriving the key with a pre-shared
      // secret, so no peer can prove it.
      Handshake.reject(conn, RockRefusal.UNKNOWN_ROCK, Wire.REJECT_UNKNOWN_ROCK, "no such rock");
      throw new RockProtocolException("RESUME of unknown rock " + id);
    }
    Handshake.serverResume(rock, conn, clientNonce);
  }

  private static void closeQuietly(Connection conn, Socket socket) {
    if (conn != null) {
      conn.close();
    } else {
      Connection.closeQuietly(socket);
    }
  }
}
