package io.rocks.cli;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;

/**
 * The small protocol that {@code rocks tunnel} and {@code rocks cat --to} speak with {@code rocks
 * serve} over a rock, before any byte of the carried connection flows.
 *
 * <p>Every message is one line of UTF-8 text ending in LF ({@code \n}), at most {@value
 * #MAX_LINE_BYTES} bytes with the LF. Once the rock is established, the client sends one request:
 *
 * <pre>
 *   CONNECT host:port    connect to host:port with plain TCP and carry bytes to and from it
 *   CHECK host:port      only tell whether CONNECT host:port would be allowed
 * </pre>
 *
 * {@code host:port} is in the {@linkplain Endpoint normal form} ({@code [v6]:port} for IPv6). The
 * gateway answers with one status line:
 *
 * <pre>
 *   OK                   allowed (and, for CONNECT, connected)
 *   REFUSED message      not in the gateway's --allow list, or a malformed request
 *   UNREACHABLE message  allowed, but the gateway's connection to the target failed (CONNECT only)
 * </pre>
 *
 * After {@code OK} to {@code CONNECT}, the rock carries the connection's bytes unchanged in both
 * directions; an end of stream on one side is passed on as a half-close ({@code shutdownOutput}) to
 * the other, and an abortive end (a reset, or the rock failing) as a reset. After {@code REFUSED} or
 * {@code UNREACHABLE} the gateway closes the rock.
 *
 * <p>After {@code OK} to {@code CHECK}, the rock stays open as a control link on which the client may
 * measure round-trip time: each line {@code PING token} is answered at once with {@code PONG token}.
 * Either side closes it when done. The gateway waits at most {@link Gateway#REQUEST_TIMEOUT} for the
 * request line.
 */
final class GatewayProtocol {
  /** The longest line, LF included. */
  static final int MAX_LINE_BYTES = 1024;

  static final String CONNECT = "CONNECT";
  static final String CHECK = "CHECK";
  static final String OK = "OK";
  static final String REFUSED = "REFUSED";
  static final String UNREACHABLE = "UNREACHABLE";
  static final String PING = "PING";
  static final String PONG = "PONG";

  private GatewayProtocol() {}

  /** A request: the verb and the target named. */
  record Request(String verb, Endpoint target) {}

  /** A status line: {@code OK}, {@code REFUSED} or {@code UNREACHABLE}, with its message. */
  record Status(String code, String message) {
    boolean ok() {
      return OK.equals(code);
    }
  }

  /**
   * Parses a request line (without its LF).
   *
   * @throws ProtocolException with a message fit to send back in a {@code REFUSED} line
   */
  static Request parseRequest(String line) throws ProtocolException {
    int space = line.indexOf(' ');
    String verb = space < 0 ? line : line.substring(0, space);
    if (!verb.equals(CONNECT) && !verb.equals(CHECK)) {
      throw new ProtocolException("bad request: expected CONNECT host:port or CHECK host:port");
    }
    if (space < 0) {
      throw new ProtocolException("bad request: " + verb + " needs host:port");
    }
    try {
      return new Request(verb, Endpoint.parse(line.substring(space + 1)));
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("bad request: " + e.getMessage());
    }
  }

  /** Parses a status line (without its LF). */
  static Status parseStatus(String line) throws ProtocolException {
    int space = line.indexOf(' ');
    String code = space < 0 ? line : line.substring(0, space);
    String message = space < 0 ? "" : line.substring(space + 1);
    return switch (code) {
      case OK, REFUSED, UNREACHABLE -> new Status(code, message);
      default ->
          throw new ProtocolException(
              "the gateway answered '" + abbreviate(line) + "', not a rocks gateway status");
    };
  }

  /** Writes one line, replacing any CR or LF in it so it stays one line. */
  static void writeLine(OutputStream out, String line) throws IOException {
    byte[] bytes = (line.replace('\n', ' ').replace('\r', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_LINE_BYTES) {
      // Only messages can be this long; cut them, keeping the line valid UTF-8 by cutting chars.
      String cut = line.substring(0, Math.min(line.length(), MAX_LINE_BYTES / 4 - 1));
      bytes = (cut.replace('\n', ' ').replace('\r', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
    }
    out.write(bytes);
    out.flush();
  }

  /**
   * Reads one line, byte by byte so no byte after the LF is consumed; returns it without the LF (and
   * without a CR before it).
   *
   * @throws EOFException if the stream ends first
   * @throws ProtocolException if the line is longer than {@link #MAX_LINE_BYTES}
   */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException(
            line.size() == 0 ? "the peer closed the link" : "the peer closed the link mid-line");
      }
      if (b == '\n') {
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      if (line.size() + 1 >= MAX_LINE_BYTES) {
        throw new ProtocolException("line longer than " + MAX_LINE_BYTES + " bytes");
      }
      line.write(b);
    }
  }

  private static String abbreviate(String text) {
    String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() > 60 ? printable.substring(0, 60) + "..." : printable;
  }
}
