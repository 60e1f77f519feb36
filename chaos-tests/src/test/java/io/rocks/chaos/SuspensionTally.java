package io.rocks.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one end's {@code suspended} events within a window say, for a test's report: how many, of
 * how many rocks, when (relative to an origin such as the start of a fault), and why, with the
 * causes grouped once their numbers are folded ({@code no bytes from the peer for # ms}) and the
 * range of the first number kept. A value, made and read by the test thread.
 */
record SuspensionTally(
    String end, String window, int suspensions, int rocks, long firstMillis, long lastMillis, Map<String, long[]> causes) {
  private static final Pattern NUMBER = Pattern.compile("\\d+");
  private static final Pattern ROCK_ID = Pattern.compile("\\b[0-9a-f]{32}\\b");

  /**
   * Tallies the {@code suspended} events among {@code events} at or after {@code fromNanos} and
   * before {@code toNanos}; times are in ms from {@code originNanos}.
   */
  static SuspensionTally of(
      String end, String window, List<PeerProcess.Event> events, long originNanos, long fromNanos, long toNanos) {
    int count = 0;
    Set<String> rocks = new HashSet<>();
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    Map<String, long[]> causes = new TreeMap<>();
    for (PeerProcess.Event e : events) {
      if (!e.kind().equals("suspended") || e.atNanos() - fromNanos < 0 || e.atNanos() - toNanos >= 0) {
        continue;
      }
      count++;
      String[] idAndCause = e.detail().split(" ", 2);
      rocks.add(idAndCause[0]);
      long at = (e.atNanos() - originNanos) / 1_000_000;
      first = Math.min(first, at);
      last = Math.max(last, at);
      String cause = ROCK_ID.matcher(idAndCause.length > 1 ? idAndCause[1] : "").replaceAll("<id>");
      Matcher number = NUMBER.matcher(cause);
      long value = number.find() ? Long.parseLong(number.group()) : -1;
      long[] range = causes.computeIfAbsent(NUMBER.matcher(cause).replaceAll("#"), k -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
      range[0]++;
      range[1] = Math.min(range[1], value);
      range[2] = Math.max(range[2], value);
    }
    return new SuspensionTally(end, window, count, rocks.size(), first, last, causes);
  }

  /** The {@code suspendedFor} of each {@code resumed} event among {@code events}. */
  static List<Duration> resumeTimes(List<PeerProcess.Event> events) {
    List<Duration> times = new ArrayList<>();
    for (PeerProcess.Event e : events) {
      if (e.kind().equals("resumed")) {
        times.add(Duration.ofMillis(Long.parseLong(e.detail().split(" ")[1])));
      }
    }
    return times;
  }

  /** The bytes retransmitted, summed over the {@code resumed} events among {@code events}. */
  static long retransmitted(List<PeerProcess.Event> events) {
    long total = 0;
    for (PeerProcess.Event e : events) {
      if (e.kind().equals("resumed")) {
        total += Long.parseLong(e.detail().split(" ")[2]);
      }
    }
    return total;
  }

  /**
   * How many {@code resumed} events are among {@code events}, how long their rocks had been
   * suspended (median and longest) and how many bytes they retransmitted; "none" if there are none.
   */
  static String describeResumes(List<PeerProcess.Event> events) {
    List<Duration> times = resumeTimes(events);
    if (times.isEmpty()) {
      return "none";
    }
    return times.size() + ", suspended for p50 " + Scenario.p50(times).toMillis() + " ms, max "
        + Scenario.max(times).toMillis() + " ms, " + retransmitted(events) + " bytes retransmitted";
  }

  /** One line: the counts, the times and each cause with its count and number range. */
  String describe() {
    StringBuilder out = new StringBuilder(end).append(" ").append(window).append(": ");
    out.append(suspensions).append(" suspensions of ").append(rocks).append(" rocks");
    if (suspensions > 0) {
      out.append(" at ").append(String.format("%+d..%+d ms", firstMillis, lastMillis));
      causes.forEach(
          (cause, range) ->
              out.append("; ").append(range[0]).append(" x ").append(cause)
                  .append(range[1] >= 0 ? " (# " + range[1] + ".." + range[2] + ")" : ""));
    }
    return out.toString();
  }
}
