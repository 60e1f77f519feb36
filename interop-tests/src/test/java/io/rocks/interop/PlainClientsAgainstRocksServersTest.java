package io.rocks.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rocks;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import javax.net.SocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real servers written elsewhere listen on rocks server sockets, and the same libraries' plain
 * clients (no rocks anywhere on their side) use them exactly as they use the servers on plain
 * sockets: the server socket finds each client plain and hands the server a plain socket with
 * nothing lost, whether the client speaks first (RMI) or waits for the server (SMTP).
 */
class PlainClientsAgainstRocksServersTest {
  private static final InetAddress HOST = Loopback.MAIN;

  // ---- Client speaks first: Java RMI (JRMP). ----

  @Test
  @Timeout(60)
  void plainRmiClientCallsAServerOnRocksServerSocketsExactlyAsOnPlainOnes() throws Exception {
    List<String> plain;
    try (RmiService service = new RmiService(false, HOST, null)) {
      plain = calls(service.lookup(HOST));
    }
    try (RmiService service = new RmiService(true, HOST, null)) {
      List<String> rocks = calls(service.lookup(HOST));
      assertEquals(plain, rocks, "every call's result");

      List<Socket> accepted = new ArrayList<>(service.registrySockets.accepted());
      accepted.addAll(service.serviceSockets.accepted());
      assertFalse(service.registrySockets.accepted().isEmpty(), "the registry was reached");
      assertFalse(service.serviceSockets.accepted().isEmpty(), "the calculator was reached");
      for (Socket socket : accepted) {
        assertFalse(Rocks.rockOf(socket).isPresent(), "a plain client is served plain: " + socket);
      }
    }
  }

  /** A fixed sequence of calls; returns each call and its result. */
  static List<String> calls(Calculator calculator) throws Exception {
    byte[] large = Digests.payload(1 << 20, 3);
    byte[] medium = Digests.payload(200_000, 5);
    List<String> results = new ArrayList<>();
    results.add("callsBefore -> " + calculator.callsBefore());
    results.add("add(40, 2) -> " + calculator.add(40, 2));
    results.add("sha256(1 MiB) -> " + calculator.sha256(large));
    results.add("echo(200 KB) -> sha256 " + Digests.sha256(calculator.echo(medium)));
    results.add("echo(empty) -> length " + calculator.echo(new byte[0]).length);
    results.add("callsBefore -> " + calculator.callsBefore());
    return results;
  }

  // ---- Server speaks first: SMTP (GreenMail). ----

  @Test
  @Timeout(60)
  void plainSmtpClientSendsMailToGreenMailOnARocksServerSocketExactlyAsOnAPlainOne()
      throws Exception {
    List<String> plainReplies;
    List<String> plainMessages;
    try (GreenMailSmtp server = new GreenMailSmtp(HOST, false)) {
      plainReplies = SmtpSession.send(SocketFactory.getDefault(), HOST, server.port());
      plainMessages = server.messages();
    }
    try (GreenMailSmtp server = new GreenMailSmtp(HOST, true)) {
      List<String> first = SmtpSession.send(SocketFactory.getDefault(), HOST, server.port());
      List<String> second = SmtpSession.send(SocketFactory.getDefault(), HOST, server.port());
      assertEquals(plainReplies, first, "server replies");
      assertEquals(plainReplies, second, "server replies, second session");
      assertTrue(plainReplies.get(0).startsWith("220"), "greeting: " + plainReplies.get(0));

      List<String> messages = server.messages();
      assertEquals(2, messages.size(), "one message per session");
      assertEquals(plainMessages.get(0), messages.get(0), "the message as stored");
      assertEquals(plainMessages.get(0), messages.get(1), "the message as stored, second session");
      assertEquals(2, server.accepted().size(), "connections GreenMail accepted");
      for (Socket socket : server.accepted()) {
        assertFalse(Rocks.rockOf(socket).isPresent(), "a plain client is served plain: " + socket);
      }
    }
  }
}
