package io.rocks.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RocksPolicyTest {
  private static final String RULES = """
      rocks {
        excluded-ports = [53, 123]
        rules = [
          { match { port = 5432 }, reconnect-timeout = 1 hour }
          { match { host = "10.0.0.0/8" }, heartbeat-interval = 300 ms, failure-sensitivity = 4 }
          { match { host = "2001:db8::/32", port = "8000-8100" }, heartbeat-interval = 200 ms }
          { match { host = "*.internal.example" }, excluded = true }
          { match { host = ["db.example", "192.0.2.7"] }, receive-window = 4 MiB }
          { match { local-port = 7000 }, reconnect-timeout = 2 hours }
          { match { local-port = 7001 }, excluded = true }
        ]
      }
      """;

  @Test
  void referenceConfHoldsTheDocumentedDefaults() {
    RockOptions defaults = RocksPolicy.parse("", "empty").defaults();
    assertEquals(Duration.ofMillis(500), defaults.heartbeatInterval());
    assertEquals(3, defaults.failureSensitivity());
    assertEquals(Duration.ofMillis(1500), defaults.failureDetectionTime());
    assertEquals(Duration.ofHours(24), defaults.reconnectTimeout());
    assertEquals(Duration.ofMillis(20), defaults.backoffInitial());
    assertEquals(Duration.ofMillis(500), defaults.backoffCap());
    assertEquals(1.0, defaults.backoffJitter());
    assertEquals(Duration.ofSeconds(3), defaults.connectTimeout());
    assertEquals(Duration.ofSeconds(3), defaults.handshakeTimeout());
    assertEquals(1 << 20, defaults.inFlightCapacity());
    assertEquals(1 << 20, defaults.receiveWindow());
    assertEquals(List.of(), defaults.listeners());
    assertEquals(Duration.ofSeconds(60), defaults.idleAfter());
    assertEquals(Duration.ofSeconds(25), defaults.idleHeartbeatInterval());
    assertTrue(defaults.tcpKeepAlive());
  }

  /** Outgoing connections: host as named, address, port -> outcome. */
  @ParameterizedTest(name = "{0} {1}:{2} -> {3}")
  @CsvSource({
      "db.example,        192.0.2.1,   5432, reconnect=PT1H",
      "ns.example,        192.0.2.1,   53,   plain",
      "ntp.example,       192.0.2.1,   123,  plain",
      "app.example,       10.1.2.3,    80,   heartbeat=PT0.3S sensitivity=4",
      "app.example,       11.1.2.3,    80,   defaults",
      "v6.example,        2001:db8::5, 8080, heartbeat=PT0.2S",
      "v6.example,        2001:db8::5, 9000, defaults",
      "v6.example,        2001:db9::5, 8080, defaults",
      "x.internal.example, 192.0.2.9,  80,   plain",
      "internal.example,  192.0.2.9,   80,   defaults",
      "DB.EXAMPLE,        192.0.2.2,   80,   window=4194304",
      "other.example,     192.0.2.7,   80,   window=4194304",
      "other.example,     192.0.2.8,   7000, defaults",
  })
  void firstMatchingRuleDecidesOutgoingConnections(String host, String address, int port, String outcome)
      throws Exception {
    RocksPolicy policy = RocksPolicy.parse(RULES, "rules.conf");
    Optional<RockOptions> decided = policy.forConnect(host, InetAddress.getByName(address), port);
    assertEquals(outcome, describe(policy.defaults(), decided));
  }

  @Test
  void localPortRulesApplyToAcceptedRocksAndListening() throws Exception {
    RocksPolicy policy = RocksPolicy.parse(RULES, "rules.conf");
    InetSocketAddress remote = new InetSocketAddress(InetAddress.getByName("192.0.2.99"), 40000);
    assertEquals(Duration.ofHours(2), policy.forAccepted(7000, remote).reconnectTimeout());
    assertEquals(policy.defaults(), policy.forAccepted(7002, remote));
    assertEquals(Optional.empty(), policy.forListen(7001));
    assertEquals(Optional.empty(), policy.forListen(53));
    assertEquals(Duration.ofHours(2), policy.forListen(7000).orElseThrow().reconnectTimeout());
    assertEquals(Optional.of(policy.defaults()), policy.forListen(7002));
  }

  private static String describe(RockOptions defaults, Optional<RockOptions> decided) {
    if (decided.isEmpty()) {
      return "plain";
    }
    RockOptions o = decided.get();
    if (o.equals(defaults)) {
      return "defaults";
    }
    StringBuilder out = new StringBuilder();
    if (!o.reconnectTimeout().equals(defaults.reconnectTimeout())) {
      out.append("reconnect=").append(o.reconnectTimeout()).append(' ');
    }
    if (!o.heartbeatInterval().equals(defaults.heartbeatInterval())) {
      out.append("heartbeat=").append(o.heartbeatInterval()).append(' ');
    }
    if (o.failureSensitivity() != defaults.failureSensitivity()) {
      out.append("sensitivity=").append(o.failureSensitivity()).append(' ');
    }
    if (o.receiveWindow() != defaults.receiveWindow()) {
      out.append("window=").append(o.receiveWindow()).append(' ');
    }
    return out.toString().trim();
  }

  @Test
  void ruleSettingsApplyOverTopLevelSettings() {
    RocksPolicy policy = RocksPolicy.parse("""
        rocks {
          heartbeat-interval = 250 ms
          rules = [ { match { port = 5432 }, failure-sensitivity = 8 } ]
        }
        """, "app.conf");
    RockOptions rule = policy.forConnect("db", null, 5432).orElseThrow();
    assertEquals(Duration.ofMillis(250), rule.heartbeatInterval());
    assertEquals(8, rule.failureSensitivity());
    assertEquals(Duration.ofMillis(250), policy.defaults().heartbeatInterval());
  }

  @Test
  void idleSettingsApplyAtTopLevelAndPerRule() {
    RocksPolicy policy = RocksPolicy.parse("""
        rocks {
          idle-after = 2 minutes
          idle-heartbeat-interval = 20 s
          tcp-keepalive = false
          rules = [
            { match { port = 5432 }, idle-after = 30 s, idle-heartbeat-interval = 10 s, tcp-keepalive = true }
            { match { port = 6379 }, heartbeat-interval = 1 s }
          ]
        }
        """, "app.conf");
    RockOptions defaults = policy.defaults();
    assertEquals(Duration.ofMinutes(2), defaults.idleAfter());
    assertEquals(Duration.ofSeconds(20), defaults.idleHeartbeatInterval());
    assertFalse(defaults.tcpKeepAlive());
    RockOptions rule = policy.forConnect("db", null, 5432).orElseThrow();
    assertEquals(Duration.ofSeconds(30), rule.idleAfter());
    assertEquals(Duration.ofSeconds(10), rule.idleHeartbeatInterval());
    assertTrue(rule.tcpKeepAlive());
    RockOptions inherited = policy.forConnect("cache", null, 6379).orElseThrow();
    assertEquals(Duration.ofSeconds(1), inherited.heartbeatInterval());
    assertEquals(Duration.ofMinutes(2), inherited.idleAfter());
    assertEquals(Duration.ofSeconds(20), inherited.idleHeartbeatInterval());
    assertFalse(inherited.tcpKeepAlive());
  }

  @Test
  void windowsGrowUpToMaxWindowUnlessASizeIsGivenAlone() {
    RocksPolicy policy = RocksPolicy.parse("""
        rocks {
          rules = [
            { match { port = 5432 }, receive-window = 4 MiB }
            { match { port = 6379 }, receive-window = 256 KiB, max-window = 64 MiB }
            { match { port = 7000 }, max-window = 1 MiB }
            { match { port = 7001 }, in-flight-capacity = 2 MiB }
          ]
        }
        """, "app.conf");
    RockOptions defaults = policy.defaults();
    assertEquals(32 << 20, defaults.maxWindow());
    assertTrue(defaults.windowTuning());
    RockOptions fixed = policy.forConnect("db", null, 5432).orElseThrow();
    assertEquals(List.of(4 << 20, 4 << 20, false), List.of(fixed.receiveWindow(), fixed.maxWindow(), fixed.windowTuning()));
    RockOptions tuned = policy.forConnect("cache", null, 6379).orElseThrow();
    assertEquals(List.of(256 << 10, 64 << 20, true), List.of(tuned.receiveWindow(), tuned.maxWindow(), tuned.windowTuning()));
    RockOptions capped = policy.forConnect("x", null, 7000).orElseThrow();
    assertEquals(List.of(1 << 20, false), List.of(capped.maxWindow(), capped.windowTuning()));
    RockOptions inFlightFixed = policy.forConnect("x", null, 7001).orElseThrow();
    assertEquals(List.of(2 << 20, false), List.of(inFlightFixed.maxWindow(), inFlightFixed.windowTuning()));
    // A size at the top of rocks is given by the settings too: fixed there and in every rule.
    RocksPolicy topFixed = RocksPolicy.parse("rocks.receive-window = 2 MiB", "app.conf");
    assertEquals(List.of(2 << 20, false), List.of(topFixed.defaults().maxWindow(), topFixed.defaults().windowTuning()));
  }

  @Test
  void windowBudgetIsASizeAtTheTopOnly() {
    assertEquals(0, RocksPolicy.parse("", "app.conf").windowBudget());
    assertEquals(512L << 20, RocksPolicy.parse("rocks.window-budget = 512 MiB", "app.conf").windowBudget());
    assertEquals(
        "app.conf: 1: Invalid value at 'rocks.window-budget': must be a size such as 512 MiB, or 0",
        assertThrows(ConfigException.class, () -> RocksPolicy.parse("rocks.window-budget = lots", "app.conf")).getMessage());
    assertEquals(
        "app.conf: 1: Invalid path 'rocks.rules[0].window-budget': unknown key",
        assertThrows(ConfigException.class,
            () -> RocksPolicy.parse("rocks.rules = [ { match { port = 1 }, window-budget = 1 MiB } ]", "app.conf"))
            .getMessage().replaceAll("; known keys.*", ""));
  }

  @Test
  void aHeartbeatIntervalAboveTheDefaultIdleIntervalStillLoads() {
    RockOptions options = RocksPolicy.parse("rocks.heartbeat-interval = 30 s", "app.conf").defaults();
    assertEquals(Duration.ofSeconds(30), options.heartbeatInterval());
    assertEquals(Duration.ofSeconds(25), options.idleHeartbeatInterval()); // idle mode keeps 30 s
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "zero duration | rocks {\\n  reconnect-timeout = 0 s\\n} | app.conf: 2: Invalid value at 'rocks.reconnect-timeout': must be a positive duration, was \"0 s\"",
      "negative duration | rocks.heartbeat-interval = -1 s | app.conf: 1: Invalid value at 'rocks.heartbeat-interval': must be a positive duration, was \"-1 s\"",
      "not a duration | rocks.connect-timeout = soon | app.conf: 1: Invalid value at 'rocks.connect-timeout': must be a duration such as \"500 ms\" or \"2 seconds\", was \"soon\"",
      "sensitivity zero | rocks.failure-sensitivity = 0 | app.conf: 1: Invalid value at 'rocks.failure-sensitivity': must be at least 1, was 0",
      "jitter above one | rocks.backoff.jitter = 1.5 | app.conf: 1: Invalid value at 'rocks.backoff.jitter': must be from 0 to 1, was 1.5",
      "cap below initial | rocks.backoff { initial = 2 s, cap = 1 s } | app.conf: 1: Invalid value at 'rocks.backoff.cap': must not be shorter than rocks.backoff.initial",
      "tiny buffer | rocks.in-flight-capacity = 1 KiB | app.conf: 1: Invalid value at 'rocks.in-flight-capacity': must be between 65536 bytes and 1 GiB, was \"1 KiB\"",
      "malformed CIDR | rocks.rules = [\\n{ match { host = \"10.0.0.0/33\" } }\\n] | app.conf: 2: Invalid value at 'rocks.rules[0].match.host': CIDR prefix length 33 out of range 0..32 in \"10.0.0.0/33\"",
      "CIDR with host bits | rocks.rules = [ { match { host = \"10.0.0.1/8\" } } ] | app.conf: 1: Invalid value at 'rocks.rules[0].match.host': CIDR \"10.0.0.1/8\" has host bits set; write the network address",
      "bad IPv4 | rocks.rules = [ { match { host = \"300.1.1.1\" } } ] | app.conf: 1: Invalid value at 'rocks.rules[0].match.host': malformed IPv4 address \"300.1.1.1\"",
      "bad port range | rocks.rules = [ { match { port = \"9000-8000\" } } ] | app.conf: 1: Invalid value at 'rocks.rules[0].match.port': \"9000-8000\" is not a port (1-65535) or a port range such as \"8000-8100\"",
      "port zero excluded | rocks.excluded-ports = [0] | app.conf: 1: Invalid value at 'rocks.excluded-ports': \"0\" is not a port (1-65535) or a port range such as \"8000-8100\"",
      "bad rule setting | rocks.rules = [\\n\\n { match { port = 1 }, failure-sensitivity = 0 } ] | app.conf: 3: Invalid value at 'rocks.rules[0].failure-sensitivity': must be at least 1, was 0",
      "unknown listener | rocks.listeners = [com.example.Missing] | app.conf: 1: Invalid value at 'rocks.listeners': cannot make listener com.example.Missing (it needs a public no-argument constructor): java.lang.ClassNotFoundException: com.example.Missing",
      "negative idle-after | rocks {\\n\\n  idle-after = -5 s\\n} | app.conf: 3: Invalid value at 'rocks.idle-after': must be a positive duration, was \"-5 s\"",
      "negative idle-heartbeat-interval | rocks.idle-heartbeat-interval = -25 s | app.conf: 1: Invalid value at 'rocks.idle-heartbeat-interval': must be a positive duration, was \"-25 s\"",
      "idle-after not a duration | rocks.idle-after = later | app.conf: 1: Invalid value at 'rocks.idle-after': must be a duration such as \"500 ms\" or \"2 seconds\", was \"later\"",
      "negative idle-after in a rule | rocks.rules = [ { match { port = 1 }, idle-after = -1 ms } ] | app.conf: 1: Invalid value at 'rocks.rules[0].idle-after': must be a positive duration, was \"-1 ms\"",
      "tcp-keepalive not a boolean | rocks.tcp-keepalive = sometimes | app.conf: 1: Invalid value at 'rocks.tcp-keepalive': must be true or false, was \"sometimes\"",
      "tcp-keepalive a number | rocks {\\n  tcp-keepalive = 1\\n} | app.conf: 2: Invalid value at 'rocks.tcp-keepalive': must be true or false, was 1",
      "tcp-keepalive in a rule | rocks.rules = [ { match { port = 1 }, tcp-keepalive = maybe } ] | app.conf: 1: Invalid value at 'rocks.rules[0].tcp-keepalive': must be true or false, was \"maybe\"",
      "not a listener | rocks.listeners = [java.lang.Object] | app.conf: 1: Invalid value at 'rocks.listeners': java.lang.Object does not implement io.rocks.RockListener",
  })
  void rejectsBadValuesNamingKeyValueAndLine(String what, String hocon, String message) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> RocksPolicy.parse(hocon.replace("\\n", "\n"), "app.conf"), what);
    assertEquals(message, e.getMessage(), what);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "top level | rocks {\\n\\n  heartbeat-intervall = 1 s\\n} | app.conf: 3: Invalid path 'rocks.heartbeat-intervall': unknown key",
      "in a rule | rocks.rules = [ { match { port = 1 }, retries = 3 } ] | app.conf: 1: Invalid path 'rocks.rules[0].retries': unknown key",
      "in a match | rocks.rules = [ { match { prot = 1 } } ] | app.conf: 1: Invalid path 'rocks.rules[0].match.prot': unknown match key",
  })
  void rejectsUnknownKeysNamingThem(String what, String hocon, String messageStart) {
    ConfigException e = assertThrows(ConfigException.BadPath.class,
        () -> RocksPolicy.parse(hocon.replace("\\n", "\n"), "app.conf"), what);
    assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
  }

  @Test
  void theExampleInTheDocsLoads() throws Exception {
    java.nio.file.Path example = java.nio.file.Path.of("..", "docs", "application.conf");
    RocksPolicy policy = RocksPolicy.parse(java.nio.file.Files.readString(example), example.toString());
    assertEquals(Duration.ofHours(48), policy.defaults().reconnectTimeout());
    assertEquals(Duration.ofMinutes(2), policy.defaults().idleAfter());
    assertEquals(Duration.ofSeconds(20), policy.defaults().idleHeartbeatInterval());
    assertEquals(Duration.ofHours(1), policy.forConnect("db", InetAddress.getByName("192.0.2.1"), 5432)
        .orElseThrow().reconnectTimeout());
    RockOptions gateway = policy.forConnect("a.gw.example.net", InetAddress.getByName("192.0.2.2"), 7000).orElseThrow();
    assertEquals(io.rocks.RockDetection.ASSUME_ROCK, gateway.detection());
    assertEquals(true, gateway.preSharedSecret() != null);
    assertEquals(Optional.empty(), policy.forConnect("x.lab.example.net", InetAddress.getByName("192.0.2.3"), 8080));
    assertEquals(Optional.empty(), policy.forConnect("ns", InetAddress.getByName("192.0.2.4"), 162));
    assertEquals(Duration.ofDays(7), policy.forAccepted(9000,
        new InetSocketAddress(InetAddress.getByName("192.0.2.5"), 5555)).reconnectTimeout());
  }

  @Test
  void installsListenerClassesNamedInTheConfiguration() {
    RocksPolicy policy = RocksPolicy.parse(
        "rocks.listeners = [\"" + CountingListener.class.getName() + "\"]", "app.conf");
    assertEquals(1, policy.defaults().listeners().size());
    assertEquals(CountingListener.class, policy.defaults().listeners().get(0).getClass());
  }

  /** A listener for the test above; needs to be public with a public constructor. */
  public static final class CountingListener implements RockListener {
    public CountingListener() {}

    @Override
    public void connected(Rock rock) {}
  }
}
