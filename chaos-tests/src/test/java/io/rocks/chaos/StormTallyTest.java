package io.rocks.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The storm's grouping of problems: the same reason must read the same for every rock. */
class StormTallyTest {

  @Test
  void normalizesRockIdsPortsAndNumbersButKeepsAddresses() {
    assertEquals(
        "rock <id> to localhost/127.0.0.1:<port> failed before it was established: no answer within N ms",
        StormTally.normalize(
            "rock 0123456789abcdef0123456789abcdef to localhost/127.0.0.1:40671 failed before it was"
                + " established: no answer within 3000 ms"));
  }

  @Test
  void groupsByPhaseKindAndMessageWithTheRootCause() {
    StormTally tally = new StormTally();
    for (int i = 0; i < 3; i++) {
      tally.problem("read", new IOException("rock " + "ab".repeat(16) + " broke", new SocketTimeoutException("after " + (1500 + i) + " ms")));
    }
    tally.mark("reset");
    tally.problem("write", new IOException("Broken pipe"));
    assertEquals(
        List.of(
            "3\tconnect\tread\tIOException: rock <id> broke (cause SocketTimeoutException: after N ms)",
            "1\treset\twrite\tIOException: Broken pipe"),
        tally.groups());
  }
}
