package io.rocks.chaos;

import io.rocks.testkit.FaultRelay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A {@link FaultRelay} in a storm process of its own, in front of the accepting side's port:
 *
 * <pre>
 *   reset      every current link closed with a TCP reset on both ends
 *   blackhole  nothing read from either end of any link until restore
 *   restore    black-holed links closed, new ones forwarded
 *   status     -> status links=N accepted=N forwarded=N
 * </pre>
 *
 * Out of the parent JVM so that the relay's threads compete for the CPU as a process of their own,
 * and so that each process stays within the file descriptor limit: a relay holds two descriptors
 * per link, plus one per connection accepted into a black hole.
 */
final class StormRelay implements StormRole {
  /** Connections a burst may queue at the relay before it accepts them (the kernel caps it at somaxconn). */
  private static final int BACKLOG = 4096;
  /** Each direction of a link reads into this much: a storm's rocks send a few KiB at a time. */
  private static final int BUFFER_BYTES = 8 * 1024;

  private final FaultRelay relay;

  StormRelay(int targetPort) throws IOException {
    relay = new FaultRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), BACKLOG, BUFFER_BYTES);
  }

  @Override
  public String ready() {
    return Integer.toString(relay.address().getPort());
  }

  @Override
  public void answer(String[] words, List<String> reply) {
    switch (words[0]) {
      case "reset" -> relay.reset();
      case "blackhole" -> relay.blackHole();
      case "restore" -> relay.restore();
      case "status" ->
          reply.add("status links=" + relay.openLinks() + " accepted=" + relay.acceptedConnections()
              + " forwarded=" + relay.forwardedBytes());
      default -> throw new IllegalArgumentException("unknown command " + words[0]);
    }
  }
}
