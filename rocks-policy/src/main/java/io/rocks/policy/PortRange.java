package io.rocks.policy;

/** An inclusive range of TCP ports, written {@code 5432} or {@code "8000-8100"}. */
record PortRange(int first, int last) {
  /** Parses one port or a range; returns null if the text is neither. */
  static PortRange parse(String text) {
    String trimmed = text.trim();
    int dash = trimmed.indexOf('-');
    try {
      int first = Integer.parseInt(dash < 0 ? trimmed : trimmed.substring(0, dash).trim());
      int last = dash < 0 ? first : Integer.parseInt(trimmed.substring(dash + 1).trim());
      if (first < 1 || last > 65535 || first > last) {
        return null;
      }
      return new PortRange(first, last);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  boolean contains(int port) {
    return port >= first && port <= last;
  }
}
