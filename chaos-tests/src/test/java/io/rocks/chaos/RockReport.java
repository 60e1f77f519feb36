package io.rocks.chaos;

import io.rocks.RockId;
import io.rocks.RockState;
import io.rocks.testkit.Transfer;
import java.util.Map;

/**
 * One rock of a {@link Fleet} as its side reports it: state, suspensions counted by the rock, and
 * what its transfer sent and received (null while unfinished), or the error that broke it. A child
 * prints it as one {@code ROCK key=value...} line ({@link #line}), which the test reads back
 * ({@link #parse}).
 */
record RockReport(
    RockId id, RockState state, int suspensions, Transfer.Digest sent, Transfer.Digest received, String error) {

  /** The report as {@code key=value} words, no spaces inside a value. */
  String line() {
    return "id=" + id
        + " state=" + state
        + " suspensions=" + suspensions
        + " sent=" + digest(sent)
        + " received=" + digest(received)
        + " error=" + (error == null ? "-" : error.replaceAll("\\s+", "_"));
  }

  /** Reads back what {@link #line} wrote. */
  static RockReport parse(Map<String, String> words) {
    String hex = words.get("id");
    RockId id =
        new RockId(Long.parseUnsignedLong(hex.substring(0, 16), 16), Long.parseUnsignedLong(hex.substring(16), 16));
    String error = words.get("error");
    return new RockReport(
        id,
        RockState.valueOf(words.get("state")),
        Integer.parseInt(words.get("suspensions")),
        digest(words.get("sent")),
        digest(words.get("received")),
        "-".equals(error) ? null : error);
  }

  private static String digest(Transfer.Digest digest) {
    return digest == null ? "-" : digest.bytes() + ":" + digest.sha256();
  }

  private static Transfer.Digest digest(String text) {
    if (text == null || text.equals("-")) {
      return null;
    }
    int colon = text.indexOf(':');
    return new Transfer.Digest(Long.parseLong(text.substring(0, colon)), text.substring(colon + 1));
  }
}
