package io.rocks.policy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Matches a remote host: by name ({@code db.example}, or {@code *.example} for any subdomain,
 * case-insensitive), by exact address ({@code 192.0.2.7}, {@code 2001:db8::1}), or by CIDR block
 * ({@code 10.0.0.0/8}, {@code 2001:db8::/32}). Immutable.
 */
final class HostPattern {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern NAME =
      Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");

  private final String text;
  private final String name; // lower case; null for address patterns
  private final byte[] network; // null for name patterns
  private final int prefixBits;

  private HostPattern(String text, String name, byte[] network, int prefixBits) {
    this.text = text;
    this.name = name;
    this.network = network;
    this.prefixBits = prefixBits;
  }

  /** Parses a pattern; throws {@link IllegalArgumentException} saying what is wrong. */
  static HostPattern parse(String text) {
    String trimmed = text.trim();
    int slash = trimmed.indexOf('/');
    String addressPart = slash < 0 ? trimmed : trimmed.substring(0, slash);
    if (isAddressLiteral(addressPart)) {
      byte[] address = literal(addressPart);
      int bits = address.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(trimmed.substring(slash + 1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("malformed CIDR prefix length in \"" + text + "\"");
        }
        if (bits < 0 || bits > address.length * 8) {
          throw new IllegalArgumentException(
              "CIDR prefix length " + bits + " out of range 0.." + address.length * 8 + " in \"" + text + "\"");
        }
        if (!new BigInteger(1, address).shiftLeft(bits).and(mask(address.length * 8)).equals(BigInteger.ZERO)) {
          throw new IllegalArgumentException(
              "CIDR \"" + text + "\" has host bits set; write the network address");
        }
      }
      return new HostPattern(text, null, address, bits);
    }
    if (slash >= 0) {
      throw new IllegalArgumentException("malformed CIDR \"" + text + "\": not an IP address before '/'");
    }
    if (!NAME.matcher(trimmed).matches()) {
      throw new IllegalArgumentException("\"" + text + "\" is neither a host name, an address nor a CIDR block");
    }
    return new HostPattern(text, trimmed.toLowerCase(Locale.ROOT), null, 0);
  }

  /**
   * Returns true if the host matches: {@code hostName} (may be null when unknown, as for accepted
   * rocks) against a name pattern, {@code address} against an address or CIDR pattern.
   */
  boolean matches(String hostName, InetAddress address) {
    if (name != null) {
      if (hostName == null) {
        return false;
      }
      String host = hostName.toLowerCase(Locale.ROOT);
      return name.startsWith("*.") ? host.endsWith(name.substring(1)) : host.equals(name);
    }
    if (address == null) {
      return false;
    }
    byte[] candidate = address.getAddress();
    if (candidate.length != network.length) {
      return false;
    }
    int width = network.length * 8;
    BigInteger keep = mask(width).shiftRight(prefixBits).xor(mask(width));
    return new BigInteger(1, candidate).and(keep).equals(new BigInteger(1, network).and(keep));
  }

  @Override
  public String toString() {
    return text;
  }

  private static boolean isAddressLiteral(String text) {
    return IPV4.matcher(text).matches() || (text.contains(":") && text.matches("[0-9A-Fa-f:.]+"));
  }

  private static byte[] literal(String text) {
    if (IPV4.matcher(text).matches()) {
      for (String part : text.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          throw new IllegalArgumentException("malformed IPv4 address \"" + text + "\"");
        }
      }
    }
    try {
      // A literal never triggers a name lookup.
      return InetAddress.getByName(text).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("malformed IP address \"" + text + "\"");
    }
  }

  private static BigInteger mask(int bits) {
    return BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
  }
}
