package io.rocks.policy;

import io.rocks.RockOptions;
import java.net.InetAddress;
import java.util.List;

/**
 * One rule of the policy: what it matches and what it makes of a match. A rule with no condition
 * matches everything. Immutable.
 *
 * @param description where the rule was written, for logs ("application.conf: 12")
 * @param hosts the remote host must match one of these, if any are given
 * @param ports the remote port must be in one of these, if any are given
 * @param localPorts the local listening port must be in one of these, if any are given; such a
 *     rule matches only accepted connections
 * @param excluded true if a match is a plain socket, never a rock
 * @param options the options of a matching rock: the rule's settings over the defaults
 */
record Rule(
    String description,
    List<HostPattern> hosts,
    List<PortRange> ports,
    List<PortRange> localPorts,
    boolean excluded,
    RockOptions options) {

  /**
   * Returns true if this rule matches a connection to or from {@code hostName} (null when unknown)
   * at {@code address} (null when not resolved yet), remote port {@code port}, accepted on {@code
   * localPort} (-1 for an outgoing connection).
   */
  boolean matches(String hostName, InetAddress address, int port, int localPort) {
    if (!hosts.isEmpty() && hosts.stream().noneMatch(h -> h.matches(hostName, address))) {
      return false;
    }
    if (!ports.isEmpty() && (port < 0 || ports.stream().noneMatch(r -> r.contains(port)))) {
      return false;
    }
    return localPorts.isEmpty() || (localPort >= 0 && localPorts.stream().anyMatch(r -> r.contains(localPort)));
  }
}
