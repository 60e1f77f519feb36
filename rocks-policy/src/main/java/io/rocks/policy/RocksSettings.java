package io.rocks.policy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import io.rocks.RockClientAuth;
import io.rocks.RockDetection;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockSecret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the settings of one scope (the top of {@code rocks}, or one rule merged over it) into
 * {@link RockOptions}. Every value is checked: a bad one fails with {@link ConfigException} naming
 * the key, the value and its file:line. Nothing falls back silently to a default.
 *
 * <p>Stateless; safe from any thread.
 */
final class RocksSettings {
  /** The keys that set options, at the top of {@code rocks} and in rules. */
  static final Set<String> OPTION_KEYS =
      Set.of(
          "heartbeat-interval",
          "failure-sensitivity",
          "reconnect-timeout",
          "backoff.initial",
          "backoff.cap",
          "backoff.jitter",
          "connect-timeout",
          "handshake-timeout",
          "in-flight-capacity",
          "receive-window",
          "max-window",
          "listeners",
          "pre-shared-secret",
          "tls.enabled",
          "tls.key-store",
          "tls.key-store-password",
          "tls.trust-store",
          "tls.trust-store-password",
          "tls.client-auth",
          "max-suspended-rocks",
          "detection",
          "detect-timeout",
          "detect-cache-ttl",
          "idle-after",
          "idle-heartbeat-interval",
          "tcp-keepalive");

  private RocksSettings() {}

  /** Fails on any key of {@code scope} that is neither an option key nor one of {@code extra}. */
  static void checkKeys(Config scope, String path, Set<String> extra) {
    for (Map.Entry<String, ConfigValue> entry : scope.entrySet()) {
      String key = entry.getKey();
      String top = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
      if (!OPTION_KEYS.contains(key) && !extra.contains(key) && !extra.contains(top)) {
        throw new ConfigException.BadPath(
            entry.getValue().origin(),
            path + "." + key,
            "unknown key; known keys are " + new java.util.TreeSet<>(union(OPTION_KEYS, extra)));
      }
    }
  }

  /** Reads options from a scope that holds every option key (defaults already merged in). */
  static RockOptions options(Config scope, String path, ClassLoader loader) {
    // Not RockOptions.builder(): it starts from the defaults, which are read here.
    return RockOptions.emptyBuilder()
        .heartbeatInterval(positive(scope, path, "heartbeat-interval"))
        .failureSensitivity(atLeast(scope, path, "failure-sensitivity", 1))
        .reconnectTimeout(positive(scope, path, "reconnect-timeout"))
        .backoff(positive(scope, path, "backoff.initial"), backoffCap(scope, path))
        .backoffJitter(share(scope, path, "backoff.jitter"))
        .connectTimeout(positive(scope, path, "connect-timeout"))
        .handshakeTimeout(positive(scope, path, "handshake-timeout"))
        .inFlightCapacity(size(scope, path, "in-flight-capacity"))
        .receiveWindow(size(scope, path, "receive-window"))
        .maxWindow(maxWindow(scope, path))
        .listeners(listeners(scope, path, loader))
        .preSharedSecret(secret(scope, path))
        .tls(TlsSettings.context(scope, path))
        .tlsClientAuth(clientAuth(scope, path))
        .maxSuspendedRocks(atLeast(scope, path, "max-suspended-rocks", 1))
        .detection(detection(scope, path))
        .detectTimeout(positive(scope, path, "detect-timeout"))
        .detectCacheTtl(positive(scope, path, "detect-cache-ttl"))
        .idleAfter(positive(scope, path, "idle-after"))
        .idleHeartbeatInterval(idleHeartbeatInterval(scope, path))
        .tcpKeepAlive(flag(scope, path, "tcp-keepalive"))
        .build();
  }

  /**
   * The largest window: {@code max-window}, unless the settings (not {@code reference.conf}) give a
   * starting size without giving a maximum too: a size set on its own is a fixed size, so the
   * window is not tuned.
   */
  private static int maxWindow(Config scope, String path) {
    int max = size(scope, path, "max-window");
    boolean sizeGiven = setBySettings(scope, "receive-window") || setBySettings(scope, "in-flight-capacity");
    if (sizeGiven && !setBySettings(scope, "max-window")) {
      return Math.max(size(scope, path, "receive-window"), size(scope, path, "in-flight-capacity"));
    }
    return max;
  }

  /** True if {@code key}'s value comes from the settings, not from {@code reference.conf}. */
  private static boolean setBySettings(Config scope, String key) {
    String resource = scope.getValue(key).origin().resource();
    return resource == null || !resource.endsWith("reference.conf");
  }

  private static RockDetection detection(Config scope, String path) {
    return oneOf(scope, path, "detection", List.of("detect", "assume-rock", "plain"),
        List.of(RockDetection.DETECT, RockDetection.ASSUME_ROCK, RockDetection.PLAIN));
  }

  private static RockClientAuth clientAuth(Config scope, String path) {
    return oneOf(scope, path, "tls.client-auth", List.of("none", "want", "need"),
        List.of(RockClientAuth.NONE, RockClientAuth.WANT, RockClientAuth.NEED));
  }

  /**
   * Reads {@code key} as one of {@code names} and returns the value at the same index; anything
   * else is an error naming the choices ("must be a, b or c, was ...").
   */
  private static <T> T oneOf(Config scope, String path, String key, List<String> names, List<T> values) {
    String text = scope.getString(key);
    int at = names.indexOf(text);
    if (at < 0) {
      String choices =
          String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
      throw bad(scope, path, key, "must be " + choices + ", was \"" + text + "\"");
    }
    return values.get(at);
  }

  private static RockSecret secret(Config scope, String path) {
    String text = scope.getString("pre-shared-secret");
    if (text.isEmpty()) {
      return null;
    }
    try {
      return RockSecret.fromBase64(text);
    } catch (IllegalArgumentException e) {
      // The message must not quote the value: it is a secret.
      throw new ConfigException.BadValue(
          scope.getValue("pre-shared-secret").origin(), path + ".pre-shared-secret", e.getMessage());
    }
  }

  private static Duration positive(Config scope, String path, String key) {
    Duration value = duration(scope, path, key);
    if (value.isNegative() || value.isZero()) {
      throw bad(scope, path, key, "must be a positive duration, was " + scope.getValue(key).render());
    }
    return value;
  }

  private static Duration duration(Config scope, String path, String key) {
    try {
      return scope.getDuration(key);
    } catch (ConfigException.BadValue | ConfigException.WrongType e) {
      throw bad(scope, path, key, "must be a duration such as \"500 ms\" or \"2 seconds\", was "
          + scope.getValue(key).render());
    }
  }

  private static Duration backoffCap(Config scope, String path) {
    Duration cap = positive(scope, path, "backoff.cap");
    if (cap.compareTo(duration(scope, path, "backoff.initial")) < 0) {
      throw bad(scope, path, "backoff.cap", "must not be shorter than " + path + ".backoff.initial");
    }
    return cap;
  }

  private static Duration idleHeartbeatInterval(Config scope, String path) {
    // One shorter than heartbeat-interval is not an error: idle mode then keeps heartbeat-interval
    // (a user who raised heartbeat-interval above the default idle interval changed one key).
    return positive(scope, path, "idle-heartbeat-interval");
  }

  private static boolean flag(Config scope, String path, String key) {
    try {
      return scope.getBoolean(key);
    } catch (ConfigException.WrongType e) {
      throw bad(scope, path, key, "must be true or false, was " + scope.getValue(key).render());
    }
  }

  private static int atLeast(Config scope, String path, String key, int minimum) {
    int value;
    try {
      value = scope.getInt(key);
    } catch (ConfigException.WrongType e) {
      throw bad(scope, path, key, "must be an integer, was " + scope.getValue(key).render());
    }
    if (value < minimum) {
      throw bad(scope, path, key, "must be at least " + minimum + ", was " + value);
    }
    return value;
  }

  private static double share(Config scope, String path, String key) {
    double value;
    try {
      value = scope.getDouble(key);
    } catch (ConfigException.WrongType e) {
      throw bad(scope, path, key, "must be a number from 0 to 1, was " + scope.getValue(key).render());
    }
    if (!(value >= 0 && value <= 1)) {
      throw bad(scope, path, key, "must be from 0 to 1, was " + value);
    }
    return value;
  }

  private static int size(Config scope, String path, String key) {
    long bytes;
    try {
      bytes = scope.getBytes(key);
    } catch (ConfigException.BadValue | ConfigException.WrongType e) {
      throw bad(scope, path, key, "must be a size such as \"1 MiB\", was " + scope.getValue(key).render());
    }
    if (bytes < RockOptions.MIN_BUFFER_BYTES || bytes > RockOptions.MAX_BUFFER_BYTES) {
      throw bad(
          scope,
          path,
          key,
          "must be between " + RockOptions.MIN_BUFFER_BYTES + " bytes and 1 GiB, was "
              + scope.getValue(key).render());
    }
    return (int) bytes;
  }

  private static List<RockListener> listeners(Config scope, String path, ClassLoader loader) {
    List<String> names;
    try {
      names = scope.getStringList("listeners");
    } catch (ConfigException.WrongType e) {
      throw bad(scope, path, "listeners", "must be a list of class names");
    }
    List<RockListener> listeners = new ArrayList<>();
    for (String name : names) {
      try {
        Class<?> type = Class.forName(name, true, loader);
        if (!RockListener.class.isAssignableFrom(type)) {
          throw bad(scope, path, "listeners", name + " does not implement " + RockListener.class.getName());
        }
        listeners.add((RockListener) type.getConstructor().newInstance());
      } catch (ReflectiveOperationException e) {
        throw bad(
            scope,
            path,
            "listeners",
            "cannot make listener " + name + " (it needs a public no-argument constructor): " + e);
      }
    }
    return listeners;
  }

  static ConfigException bad(Config scope, String path, String key, String message) {
    return new ConfigException.BadValue(scope.getValue(key).origin(), path + "." + key, message);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
