package io.rocks.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.RockId;
import io.rocks.RockState;
import io.rocks.testkit.Transfer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The no-loss check of a fleet's end: every rock there, every one {@code CONNECTED}, every one sent
 * and received exactly the bytes its seeds make ({@link Fleet#expected}: count and SHA-256). Fails
 * naming every rock that is not so, not just the first.
 */
final class NoLoss {
  private NoLoss() {}

  /** Checks {@code reports}, from the {@code side} end named {@code end}, of a fleet of {@code rocks}. */
  static void assertNoLoss(String end, Fleet.Side side, List<RockReport> reports, int rocks, long bytesEachWay) {
    List<String> wrong = new ArrayList<>();
    for (RockReport r : reports) {
      Transfer.Digest shouldSend = Fleet.expected(r.id(), side, bytesEachWay);
      Transfer.Digest shouldReceive = Fleet.expected(r.id(), side.other(), bytesEachWay);
      if (r.state() != RockState.CONNECTED) {
        wrong.add(r.id() + " is " + r.state() + (r.error() == null ? "" : " (" + r.error() + ")"));
      } else if (r.error() != null) {
        wrong.add(r.id() + ": transfer broke: " + r.error());
      }
      if (!shouldSend.equals(r.sent())) {
        wrong.add(r.id() + " sent " + r.sent() + ", expected " + shouldSend);
      }
      if (!shouldReceive.equals(r.received())) {
        wrong.add(r.id() + " received " + r.received() + ", expected " + shouldReceive);
      }
    }
    assertEquals(rocks, reports.size(), end + ": rocks held");
    assertEquals(List.of(), wrong, end + ": " + wrong.size() + " findings among " + reports.size() + " rocks");
  }

  /** Checks that two ends hold the same rocks. */
  static void assertSameRocks(List<RockReport> one, List<RockReport> other) {
    assertEquals(ids(one), ids(other), "both ends hold the same rocks");
  }

  private static Set<String> ids(List<RockReport> reports) {
    Set<String> ids = new TreeSet<>();
    for (RockReport r : reports) {
      RockId id = r.id();
      ids.add(id.toString());
    }
    return ids;
  }
}
