package io.rocks.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * A {@code host:port} given on the command line or in a tunnel request, in normal form, so that two
 * spellings of one endpoint compare equal: host names in lower case without a trailing dot, IPv4
 * addresses as four decimal numbers, IPv6 addresses in Java's full form inside brackets ({@code
 * [::1]:6379} becomes {@code [0:0:0:0:0:0:0:1]:6379}). Normalising never looks a name up: {@code
 * localhost:80} and {@code 127.0.0.1:80} stay different endpoints.
 *
 * @param host the normalised host: a name, an IPv4 address, or an IPv6 address without brackets
 * @param port 1 to 65535, or 0 only where {@link #parseListen} allows it (pick a free port)
 */
public record Endpoint(String host, int port) {
  private static final Pattern HOST_NAME =
      Pattern.compile("(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]+(%[0-9a-z_.-]+)?");

  /** Parses {@code host:port} with a port from 1 to 65535. */
  public static Endpoint parse(String text) {
    return parse(text, false);
  }

  /** Parses {@code host:port} for a listening socket, where port 0 picks a free port. */
  public static Endpoint parseListen(String text) {
    return parse(text, true);
  }

  private static Endpoint parse(String text, boolean allowZeroPort) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("expected host:port, got nothing");
    }
    String trimmed = text.strip();
    int colon = trimmed.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is not host:port (for example db.example:5432, 127.0.0.1:6379 or [::1]:22)");
    }
    String hostPart = trimmed.substring(0, colon);
    String portPart = trimmed.substring(colon + 1);
    int port = port(text, portPart, allowZeroPort);
    String host;
    if (hostPart.startsWith("[") && hostPart.endsWith("]")) {
      host = ipv6(text, hostPart.substring(1, hostPart.length() - 1));
    } else if (hostPart.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "'" + text + "': write an IPv6 address in brackets, for example [::1]:" + portPart);
    } else {
      host = hostOrIpv4(text, hostPart);
    }
    return new Endpoint(host, port);
  }

  private static int port(String text, String portPart, boolean allowZero) {
    int port;
    try {
      port = portPart.chars().allMatch(Character::isDigit) && !portPart.isEmpty() && portPart.length() <= 5
          ? Integer.parseInt(portPart)
          : -1;
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < (allowZero ? 0 : 1) || port > 65535) {
      throw new IllegalArgumentException(
          "'" + text + "': the port must be a number from " + (allowZero ? 0 : 1) + " to 65535");
    }
    return port;
  }

  private static String ipv6(String text, String literal) {
    String lower = literal.toLowerCase(Locale.ROOT);
    if (!IPV6.matcher(lower).matches() || lower.indexOf(':') < 0) {
      throw new IllegalArgumentException("'" + text + "': [" + literal + "] is not an IPv6 address");
    }
    try {
      // A literal with a colon is parsed, never looked up.
      return InetAddress.getByName("[" + lower + "]").getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + text + "': [" + literal + "] is not an IPv6 address");
    }
  }

  private static String hostOrIpv4(String text, String hostPart) {
    String host = hostPart.toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    Matcher v4 = IPV4.matcher(host);
    if (v4.matches()) {
      StringBuilder normal = new StringBuilder();
      for (int i = 1; i <= 4; i++) {
        String octet = v4.group(i);
        int value = Integer.parseInt(octet);
        if (value > 255 || (octet.length() > 1 && octet.charAt(0) == '0')) {
          throw new IllegalArgumentException(
              "'" + text + "': " + hostPart + " is not an IPv4 address (numbers 0-255, no leading zeros)");
        }
        normal.append(i > 1 ? "." : "").append(value);
      }
      return normal.toString();
    }
    if (host.isEmpty() || !HOST_NAME.matcher(host).matches() || host.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
      throw new IllegalArgumentException(
          "'" + text + "': '" + hostPart + "' is not a host name or address");
    }
    return host;
  }

  /** Returns true if the host is an IPv6 address. */
  public boolean isIpv6() {
    return host.indexOf(':') >= 0;
  }

  /** Returns an unresolved socket address (nothing is looked up). */
  public InetSocketAddress unresolved() {
    return InetSocketAddress.createUnresolved(host, port);
  }

  /** Resolves the host now (blocking on DNS for a name). */
  public InetSocketAddress resolve() throws UnknownHostException {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new UnknownHostException("cannot resolve host name " + host);
    }
    return address;
  }

  /** Returns the normal form, {@code host:port} or {@code [v6]:port}. */
  @Override
  public String toString() {
    return (isIpv6() ? "[" + host + "]" : host) + ":" + port;
  }

  /** Picocli converter for options that name a remote endpoint. */
  static final class Converter implements CommandLine.ITypeConverter<Endpoint> {
    @Override
    public Endpoint convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** Picocli converter for options that name a local address to listen on (port 0 allowed). */
  static final class ListenConverter implements CommandLine.ITypeConverter<Endpoint> {
    @Override
    public Endpoint convert(String value) {
      try {
        return parseListen(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
