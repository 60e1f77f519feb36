package io.rocks.impl.io;

import io.rocks.RockOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Puts TLS over a connected TCP socket, for rocks whose options carry an {@link
 * javax.net.ssl.SSLContext}. Each reconnection gets a new TLS connection; the rock's resume proof
 * is checked inside it as always, so a TLS session alone never resumes a rock.
 *
 * <p>Each call runs the TLS handshake on the calling thread, bounded by the handshake timeout.
 */
public final class Tls {
  private Tls() {}

  /** Client side: verifies the server's certificate and that it names {@code address}'s host. */
  public static Socket client(Socket tcp, InetSocketAddress address, RockOptions options) throws IOException {
    SSLSocket tls =
        (SSLSocket)
            options.tls().getSocketFactory()
                .createSocket(tcp, address.getHostString(), address.getPort(), true);
    SSLParameters parameters = tls.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    tls.setSSLParameters(parameters);
    return handshake(tls, options);
  }

  /** Server side: asks for the client's certificate as {@link RockOptions#tlsClientAuth} says. */
  public static Socket server(Socket tcp, RockOptions options) throws IOException {
    SSLSocket tls =
        (SSLSocket) options.tls().getSocketFactory().createSocket(tcp, null, tcp.getPort(), true);
    tls.setUseClientMode(false);
    switch (options.tlsClientAuth()) {
      case NEED -> tls.setNeedClientAuth(true);
      case WANT -> tls.setWantClientAuth(true);
      case NONE -> tls.setWantClientAuth(false);
    }
    return handshake(tls, options);
  }

  /**
   * Returns why a write on {@code socket} failed: if it is a TLS socket whose peer refused it with
   * an alert (with TLS 1.3 a server refuses a client certificate only after the client finished
   * its side, so the client learns it on its next read), that alert, else {@code failure}. Reads
   * for at most 200 ms. Call it before closing the socket.
   */
  public static IOException explain(Socket socket, IOException failure) {
    if (!(socket instanceof SSLSocket)) {
      return failure;
    }
    try {
      socket.setSoTimeout(200);
      socket.getInputStream().read();
    } catch (javax.net.ssl.SSLException alert) {
      alert.addSuppressed(failure);
      return alert;
    } catch (IOException other) {
      // nothing more to learn
    }
    return failure;
  }

  private static Socket handshake(SSLSocket tls, RockOptions options) throws IOException {
    int before = tls.getSoTimeout();
    tls.setSoTimeout((int) Math.max(1, options.handshakeTimeout().toMillis()));
    try {
      tls.startHandshake();
    } catch (IOException e) {
      Connection.closeQuietly(tls);
      throw e;
    }
    tls.setSoTimeout(before);
    return tls;
  }
}
