package io.rocks.chaos;

import io.rocks.testkit.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The test's handle on one end of a fleet of rocks, in this JVM ({@link Fleet}) or in a child JVM
 * ({@link ChildFleet}), so a test drives and checks both ends alike. Methods are called by the test
 * thread. {@link #awaitAll} waits on every end at once and fails as soon as any end has a failed
 * rock, a broken transfer, or (a child) reported an error or died, instead of waiting out its
 * deadline on the other end.
 *
 * <p>The status is a map of counts, with the keys {@link Fleet#status} names.
 */
interface FleetHandle extends AutoCloseable {
  /** The name the test gives this end, for messages. */
  String name();

  /** Lets every rock of this end write up to {@code byteCount} bytes in total. */
  void allow(long byteCount) throws IOException;

  /** The latest status; a child's is at most one report interval old. */
  Map<String, String> status();

  /** How old the latest status is, as a phrase for messages; empty for a status taken on demand. */
  default String statusAge() {
    return "";
  }

  /** Dumps this end's threads and returns a summary for an error message (see {@link ThreadDumps}). */
  String threadDump();

  /** Returns every rock's report, taken now. */
  List<RockReport> report(Duration limit) throws Exception;

  /** The rock events of {@code kind} recorded so far (details start with the rock's id). */
  List<PeerProcess.Event> events(String kind);

  /**
   * Returns true, or throws naming this end if one of its rocks failed or a transfer broke (a
   * child also if it reported an error or exited).
   */
  default boolean healthy(Map<String, String> status) {
    if (count(status, "failed") > 0 || count(status, "broken") > 0) {
      throw new AssertionError(name() + ": a rock failed or its transfer broke: " + status);
    }
    return true;
  }

  /** Waits until the status of every one of {@code ends} satisfies {@code condition}. */
  static void awaitAll(List<? extends FleetHandle> ends, Duration limit, String what, Predicate<Map<String, String>> condition)
      throws Exception {
    try {
      awaitAllOnce(ends, limit, what, condition);
    } catch (TimeoutException e) {
      // Where every end's threads were when the wait gave up: the status says what, this says why.
      String dumps = ends.stream().map(FleetHandle::threadDump).collect(Collectors.joining("\n"));
      TimeoutException withDumps = new TimeoutException(e.getMessage() + "\n" + dumps);
      withDumps.setStackTrace(e.getStackTrace());
      throw withDumps;
    }
  }

  private static void awaitAllOnce(
      List<? extends FleetHandle> ends, Duration limit, String what, Predicate<Map<String, String>> condition)
      throws Exception {
    Await.until(
        limit,
        () -> what + "; latest status: "
            + ends.stream().map(end -> end.name() + end.statusAge() + " " + end.status()).collect(Collectors.joining(", ")),
        () -> {
          boolean all = true;
          for (FleetHandle end : ends) {
            Map<String, String> status = end.status();
            all &= end.healthy(status) && condition.test(status);
          }
          return all;
        });
  }

  /** Every one of the fleet's {@code size} rocks is connected. */
  static Predicate<Map<String, String>> allConnected(int size) {
    return s -> count(s, "connected") == size;
  }

  /** Every rock has read at least {@code byteCount} bytes from its peer. */
  static Predicate<Map<String, String>> everyRockRead(long byteCount) {
    return s -> count(s, "minRead") >= byteCount;
  }

  /** Every one of the fleet's {@code size} rocks has sent and received all its bytes. */
  static Predicate<Map<String, String>> transfersDone(int size) {
    return s -> count(s, "sent") == size && count(s, "received") == size;
  }

  static long count(Map<String, String> status, String key) {
    String value = status.get(key);
    return value == null ? -1 : Long.parseLong(value);
  }
}
