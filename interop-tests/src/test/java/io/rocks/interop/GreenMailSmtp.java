package io.rocks.interop;

import com.icegreen.greenmail.Managers;
import com.icegreen.greenmail.smtp.SmtpServer;
import com.icegreen.greenmail.store.StoredMessage;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import io.rocks.RocksServerSocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.regex.Pattern;

/**
 * GreenMail's SMTP server (a server-first protocol, software no one here wrote) on a free port,
 * listening either on a plain {@link ServerSocket} or on a rocks server socket from {@link
 * RocksServerSocketFactory}. GreenMail opens its listening socket in an overridable method, so the
 * server runs unchanged on either.
 */
final class GreenMailSmtp implements AutoCloseable {
  private final Managers managers = new Managers();
  private final SmtpServer server;
  private volatile RecordingServerSocket listening;

  /** Starts the server on {@code address}, on a rocks server socket if {@code rocks}. */
  GreenMailSmtp(InetAddress address, boolean rocks) throws IOException, InterruptedException {
    ServerSetup setup = new ServerSetup(0, address.getHostAddress(), ServerSetup.PROTOCOL_SMTP);
    server =
        new SmtpServer(setup, managers) {
          @Override
          protected ServerSocket openServerSocket() throws IOException {
            ServerSocket inner =
                rocks
                    ? RocksServerSocketFactory.getDefault().createServerSocket(0, 50, bindTo)
                    : new ServerSocket(0, 50, bindTo);
            RecordingServerSocket socket = new RecordingServerSocket(inner);
            this.setup = this.setup.port(socket.getLocalPort());
            listening = socket;
            return socket;
          }
        };
    server.startService();
    if (!server.waitTillRunning(10_000)) {
      server.stopService();
      throw new IOException("GreenMail SMTP did not start within 10 s");
    }
  }

  int port() {
    return listening.getLocalPort();
  }

  /** The connections the server accepted, in order. */
  List<Socket> accepted() {
    return listening.accepted();
  }

  /**
   * Each message received, whole (headers and body) as GreenMail stored it, except for the time in
   * the {@code Received:} header GreenMail adds.
   */
  List<String> messages() {
    return managers.getImapHostManager().getAllMessages().stream()
        .map(StoredMessage::getMimeMessage)
        .map(GreenMailUtil::getWholeMessage)
        .map(whole -> RECEIVED_TIME.matcher(whole).replaceAll("$1 (time)"))
        .toList();
  }

  private static final Pattern RECEIVED_TIME = Pattern.compile("(?m)^(Received: [^;\\r\\n]*;).*$");

  @Override
  public void close() {
    server.stopService();
  }
}
