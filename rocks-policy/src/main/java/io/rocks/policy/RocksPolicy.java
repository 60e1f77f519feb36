package io.rocks.policy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.rocks.RockDetection;
import io.rocks.RockOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The behaviour of every rock, from the {@code rocks} section of a HOCON configuration: defaults,
 * excluded ports, and an ordered list of rules whose first match applies over the defaults.
 *
 * <pre>
 * rocks {
 *   excluded-ports = [53, 123]                      # DNS and NTP stay plain sockets
 *   rules = [
 *     { match { port = 5432 }, reconnect-timeout = 1 hour }
 *     { match { host = "10.0.0.0/8" }, heartbeat-interval = 500 ms }
 *     { match { host = "*.internal", port = "8000-8100" }, excluded = true }
 *   ]
 * }
 * </pre>
 *
 * <p>Everything is parsed and checked when the policy is loaded; a bad value fails then, with
 * {@link ConfigException} naming the key, the value and its file:line. Immutable and thread-safe.
 */
public final class RocksPolicy {
  private static final Set<String> TOP_KEYS = Set.of("excluded-ports", "rules", "window-budget");
  private static final Set<String> RULE_KEYS = Set.of("match", "excluded");
  private static final Set<String> MATCH_KEYS = Set.of("host", "port", "local-port");

  private final RockOptions defaults;
  private final List<PortRange> excludedPorts;
  private final List<Rule> rules;
  private final long windowBudget;

  private RocksPolicy(RockOptions defaults, List<PortRange> excludedPorts, List<Rule> rules, long windowBudget) {
    this.windowBudget = windowBudget;
    this.defaults = defaults;
    this.excludedPorts = excludedPorts;
    this.rules = rules;
  }

  /**
   * Loads {@code application.conf} (or {@code -Dconfig.file}, and {@code -D} overrides, as {@link
   * ConfigFactory#load()} does) over {@code reference.conf}, with this module's class loader.
   * Blocks while it reads the files.
   *
   * @return the application's policy
   * @throws ConfigException if a file does not parse, or a setting is unknown, of the wrong type or
   *     out of range, naming the key, the value and its file:line
   */
  public static RocksPolicy load() {
    ClassLoader loader = RocksPolicy.class.getClassLoader();
    return load(ConfigFactory.load(loader), loader);
  }

  /**
   * Reads the policy from {@code config}, which must already include {@code reference.conf} (as
   * {@link ConfigFactory#load()} does); listener classes are loaded with {@code loader}.
   *
   * @param config a resolved configuration with a {@code rocks} section
   * @param loader the class loader for the listener classes the settings name
   * @return the policy
   * @throws ConfigException if the {@code rocks} section is missing, or a setting is unknown, of
   *     the wrong type or out of range, naming the key, the value and its file:line
   */
  public static RocksPolicy load(Config config, ClassLoader loader) {
    Config rocks = config.getConfig("rocks");
    RocksSettings.checkKeys(rocks, "rocks", TOP_KEYS);
    RockOptions defaults = RocksSettings.options(rocks, "rocks", loader);
    List<PortRange> excluded = portList(rocks, "rocks", "excluded-ports");
    long windowBudget = windowBudget(rocks);
    Config base = rocks.withoutPath("rules").withoutPath("excluded-ports").withoutPath("window-budget");
    List<Rule> rules = new ArrayList<>();
    ConfigList list;
    try {
      list = rocks.getList("rules");
    } catch (ConfigException.WrongType e) {
      throw RocksSettings.bad(rocks, "rocks", "rules", "must be a list of rules");
    }
    for (int i = 0; i < list.size(); i++) {
      ConfigValue value = list.get(i);
      String path = "rocks.rules[" + i + "]";
      if (value.valueType() != ConfigValueType.OBJECT) {
        throw new ConfigException.BadValue(value.origin(), path, "a rule must be an object such as"
            + " { match { port = 5432 }, reconnect-timeout = 1 hour }");
      }
      rules.add(rule(((ConfigObject) value).toConfig(), base, path, loader));
    }
    return new RocksPolicy(defaults, List.copyOf(excluded), List.copyOf(rules), windowBudget);
  }

  private static long windowBudget(Config rocks) {
    long bytes;
    try {
      bytes = rocks.getBytes("window-budget");
    } catch (ConfigException.BadValue | ConfigException.WrongType e) {
      throw RocksSettings.bad(rocks, "rocks", "window-budget", "must be a size such as 512 MiB, or 0");
    }
    if (bytes < 0) {
      throw RocksSettings.bad(rocks, "rocks", "window-budget", "must not be negative, was " + bytes);
    }
    return bytes;
  }

  /**
   * Returns how many bytes all rocks of the process together may grow their windows by beyond
   * their starting sizes ({@code rocks.window-budget}); 0 means a quarter of the JVM's maximum heap.
   *
   * @return the budget in bytes, or 0 for the default
   */
  public long windowBudget() {
    return windowBudget;
  }

  /**
   * Parses {@code hocon} over {@code reference.conf}; {@code origin} names it in errors. No
   * {@code application.conf} or system property is read.
   *
   * @param hocon configuration text with a {@code rocks} section (keys it does not set keep their
   *     defaults)
   * @param origin what errors call the text, such as a file name
   * @return the policy
   * @throws ConfigException if the text does not parse, or a setting is unknown, of the wrong type
   *     or out of range, naming the key, the value and where it was written
   */
  public static RocksPolicy parse(String hocon, String origin) {
    ClassLoader loader = RocksPolicy.class.getClassLoader();
    Config config =
        ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription(origin))
            .withFallback(ConfigFactory.defaultReference(loader))
            .resolve();
    return load(config, loader);
  }

  /**
   * Returns the options of a rock that no rule matches.
   *
   * @return the {@code rocks} section's own settings over {@code reference.conf}
   */
  public RockOptions defaults() {
    return defaults;
  }

  /**
   * Decides an outgoing connection to {@code host} (as the application named it) at {@code
   * address}, port {@code port}: the options of the first matching rule, or empty for a plain
   * socket. An excluded port, a matching rule with {@code excluded = true} or detection {@code
   * PLAIN} means a plain socket; when no rule matches, the defaults apply.
   *
   * @param host the host name as the application gave it, matched against name patterns
   * @param address the resolved address, matched against address and CIDR patterns
   * @param port the remote port
   * @return the options of the rock to make, or empty for a plain socket
   */
  public Optional<RockOptions> forConnect(String host, InetAddress address, int port) {
    if (excludedPorts.stream().anyMatch(r -> r.contains(port))) {
      return Optional.empty();
    }
    for (Rule rule : rules) {
      if (rule.matches(host, address, port, -1)) {
        return rule.excluded() ? Optional.empty() : Optional.of(rule.options());
      }
    }
    return plainOr(defaults);
  }

  private static Optional<RockOptions> plainOr(RockOptions options) {
    return options.detection() == RockDetection.PLAIN ? Optional.empty() : Optional.of(options);
  }

  /**
   * Decides a listening socket on {@code localPort}: empty for a plain server socket (the port is
   * excluded, or the first rule that names only this local port excludes it), else the options of
   * that rule or the defaults, whose detection says whether plain clients are served too.
   *
   * @param localPort the port the server socket listens on
   * @return the options for the server socket, or empty for a plain server socket
   */
  public Optional<RockOptions> forListen(int localPort) {
    if (excludedPorts.stream().anyMatch(r -> r.contains(localPort))) {
      return Optional.empty();
    }
    for (Rule rule : rules) {
      if (rule.hosts().isEmpty() && rule.ports().isEmpty()
          && !rule.localPorts().isEmpty() && rule.matches(null, null, -1, localPort)) {
        return rule.excluded() ? Optional.empty() : Optional.of(rule.options());
      }
    }
    return plainOr(defaults);
  }

  /**
   * Returns the options of a rock accepted on {@code localPort} from {@code remote}: the first
   * matching rule that is not an exclusion (an accepted rock is already a rock), else the defaults.
   * Host rules match by address only: an accepted connection has no host name.
   *
   * @param localPort the port the rock was accepted on
   * @param remote the address and port the rock's connection came from
   * @return the options of the accepted rock
   */
  public RockOptions forAccepted(int localPort, InetSocketAddress remote) {
    for (Rule rule : rules) {
      if (!rule.excluded() && rule.matches(null, remote.getAddress(), remote.getPort(), localPort)) {
        return rule.options();
      }
    }
    return defaults;
  }

  /**
   * Returns the rules in order, for diagnostics.
   *
   * @return one entry per rule: where it was written (file and line)
   */
  public List<String> describeRules() {
    return rules.stream().map(Rule::description).toList();
  }

  private static Rule rule(Config rule, Config base, String path, ClassLoader loader) {
    RocksSettings.checkKeys(rule, path, RULE_KEYS);
    List<HostPattern> hosts = List.of();
    List<PortRange> ports = List.of();
    List<PortRange> localPorts = List.of();
    if (rule.hasPath("match")) {
      Config match;
      try {
        match = rule.getConfig("match");
      } catch (ConfigException.WrongType e) {
        throw RocksSettings.bad(rule, path, "match", "must be an object such as { port = 5432 }");
      }
      for (var entry : match.root().entrySet()) {
        if (!MATCH_KEYS.contains(entry.getKey())) {
          throw new ConfigException.BadPath(entry.getValue().origin(), path + ".match." + entry.getKey(),
              "unknown match key; known keys are " + MATCH_KEYS);
        }
      }
      hosts = hostList(match, path + ".match", "host");
      ports = portList(match, path + ".match", "port");
      localPorts = portList(match, path + ".match", "local-port");
    }
    boolean excluded = false;
    if (rule.hasPath("excluded")) {
      try {
        excluded = rule.getBoolean("excluded");
      } catch (ConfigException.WrongType e) {
        throw RocksSettings.bad(rule, path, "excluded", "must be true or false");
      }
    }
    Config merged = rule.withoutPath("match").withoutPath("excluded").withFallback(base);
    RockOptions options = RocksSettings.options(merged, path, loader);
    excluded = excluded || options.detection() == RockDetection.PLAIN;
    String description = rule.origin().description();
    return new Rule(description, hosts, ports, localPorts, excluded, options);
  }

  private static List<HostPattern> hostList(Config scope, String path, String key) {
    List<HostPattern> hosts = new ArrayList<>();
    for (String text : stringOrList(scope, path, key)) {
      try {
        hosts.add(HostPattern.parse(text));
      } catch (IllegalArgumentException e) {
        throw RocksSettings.bad(scope, path, key, e.getMessage());
      }
    }
    return hosts;
  }

  private static List<PortRange> portList(Config scope, String path, String key) {
    List<PortRange> ranges = new ArrayList<>();
    for (String text : stringOrList(scope, path, key)) {
      PortRange range = PortRange.parse(text);
      if (range == null) {
        throw RocksSettings.bad(scope, path, key,
            "\"" + text + "\" is not a port (1-65535) or a port range such as \"8000-8100\"");
      }
      ranges.add(range);
    }
    return ranges;
  }

  private static List<String> stringOrList(Config scope, String path, String key) {
    if (!scope.hasPath(key)) {
      return List.of();
    }
    ConfigValue value = scope.getValue(key);
    return switch (value.valueType()) {
      case LIST -> scope.getList(key).stream().map(v -> String.valueOf(v.unwrapped())).toList();
      case STRING, NUMBER -> List.of(String.valueOf(value.unwrapped()));
      default -> throw RocksSettings.bad(scope, path, key, "must be a value or a list of values");
    };
  }
}
