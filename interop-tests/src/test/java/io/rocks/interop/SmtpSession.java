package io.rocks.interop;

import java.io.IOException;
import java.io.Writer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import javax.net.SocketFactory;
import org.apache.commons.net.smtp.SMTPClient;

/**
 * One mail sent with Apache Commons Net's {@link SMTPClient} (software no one here wrote), through a
 * given socket factory; returns every reply the server gave, in order.
 */
final class SmtpSession {
  private SmtpSession() {}

  /**
   * The message sent: about 120 KB, with lines that start with a dot (so the client must
   * dot-stuff them and the server un-stuff them) and a long line.
   */
  static final String MESSAGE = message();

  private static String message() {
    StringBuilder text =
        new StringBuilder()
            .append("From: alice@example.com\r\n")
            .append("To: bob@example.com\r\n")
            .append("Subject: rocks interop\r\n")
            .append("Message-ID: <interop-1@example.com>\r\n")
            .append("Date: Thu, 1 Jan 2026 00:00:00 +0000\r\n")
            .append("\r\n");
    for (int i = 0; i < 2_000; i++) {
      text.append(i % 7 == 0 ? "." : "").append("line ").append(i).append(" of the body\r\n");
    }
    text.append("x".repeat(900)).append("\r\n");
    text.append(".\r\n.. and the end\r\n");
    return text.toString();
  }

  /** Sends {@link #MESSAGE} from alice to bob; returns the server's replies (code and text). */
  static List<String> send(SocketFactory factory, InetAddress host, int port) throws IOException {
    SMTPClient client = new SMTPClient();
    client.setSocketFactory(factory);
    client.setConnectTimeout(5_000);
    client.setDefaultTimeout(10_000);
    List<String> replies = new ArrayList<>();
    try {
      client.connect(host, port);
      replies.add(reply(client));
      check(client.login("client.example"), client, "HELO");
      replies.add(reply(client));
      check(client.setSender("alice@example.com"), client, "MAIL FROM");
      replies.add(reply(client));
      check(client.addRecipient("bob@example.com"), client, "RCPT TO");
      replies.add(reply(client));
      Writer data = client.sendMessageData();
      if (data == null) {
        throw new IOException("DATA refused: " + reply(client));
      }
      replies.add(reply(client));
      data.write(MESSAGE);
      data.close();
      check(client.completePendingCommand(), client, "end of DATA");
      replies.add(reply(client));
      check(client.logout(), client, "QUIT");
      replies.add(reply(client));
    } finally {
      if (client.isConnected()) {
        client.disconnect();
      }
    }
    return replies;
  }

  private static String reply(SMTPClient client) {
    return client.getReplyString().strip();
  }

  private static void check(boolean ok, SMTPClient client, String step) throws IOException {
    if (!ok) {
      throw new IOException(step + " refused: " + reply(client));
    }
  }
}
