package io.rocks.chaos;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code status} answer of a {@link StormPeer}: its {@code key=value} words, every value a
 * whole number. Immutable.
 */
public record PeerStatus(String side, Map<String, Long> values) {
  /** Parses {@code status key=value ...}. */
  static PeerStatus parse(String side, String line) {
    Map<String, Long> values = new LinkedHashMap<>();
    for (String word : line.strip().split("\\s+")) {
      int eq = word.indexOf('=');
      if (eq > 0) {
        values.put(word.substring(0, eq), Long.parseLong(word.substring(eq + 1)));
      }
    }
    return new PeerStatus(side, Map.copyOf(values));
  }

  /** Returns the value of {@code key}; throws if the status has none (a misspelt key is a bug). */
  public long get(String key) {
    Long value = values.get(key);
    if (value == null) {
      throw new IllegalArgumentException(side + " status has no " + key + ": " + values.keySet());
    }
    return value;
  }

  /** The counts by state, for messages: {@code CONNECTING=0 CONNECTED=1998 SUSPENDED=0 CLOSED=0 FAILED=2}. */
  public String states() {
    return "rocks=" + get("rocks") + " CONNECTING=" + get("CONNECTING") + " CONNECTED=" + get("CONNECTED")
        + " SUSPENDED=" + get("SUSPENDED") + " CLOSED=" + get("CLOSED") + " FAILED=" + get("FAILED");
  }
}
