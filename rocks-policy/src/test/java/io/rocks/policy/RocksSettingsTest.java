package io.rocks.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigException;
import io.rocks.RockOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RocksSettingsTest {
  @Test
  void referenceConfMatchesTheBuiltInDefaults() {
    assertEquals(RockOptions.defaults(), RocksSettings.parse("", "empty"));
  }

  @Test
  void appliesOverrides() {
    RockOptions options =
        RocksSettings.parse(
            "rocks { heartbeat-interval = 200 ms, failure-sensitivity = 5\n"
                + "reconnect-timeout = 1 hour, receive-window = 4 MiB }",
            "app.conf");
    assertEquals(Duration.ofMillis(200), options.heartbeatInterval());
    assertEquals(5, options.failureSensitivity());
    assertEquals(Duration.ofHours(1), options.reconnectTimeout());
    assertEquals(4 << 20, options.receiveWindow());
    assertEquals(Duration.ofSeconds(1), options.failureDetectionTime());
  }

  @Test
  void rejectsZeroDurationNamingKeyValueAndLine() {
    ConfigException e =
        assertThrows(
            ConfigException.BadValue.class,
            () -> RocksSettings.parse("rocks {\n  reconnect-timeout = 0 s\n}", "app.conf"));
    assertEquals(
        "app.conf: 2: Invalid value at 'rocks.reconnect-timeout': must be a positive duration, was \"0 s\"",
        e.getMessage());
  }

  @Test
  void rejectsSensitivityZero() {
    ConfigException e =
        assertThrows(
            ConfigException.BadValue.class,
            () -> RocksSettings.parse("rocks.failure-sensitivity = 0", "app.conf"));
    assertEquals(
        "app.conf: 1: Invalid value at 'rocks.failure-sensitivity': must be at least 1, was 0",
        e.getMessage());
  }

  @Test
  void rejectsUnknownKeyNamingIt() {
    ConfigException e =
        assertThrows(
            ConfigException.BadPath.class,
            () -> RocksSettings.parse("rocks {\n\n  heartbeat-intervall = 1 s\n}", "app.conf"));
    assertEquals(true, e.getMessage().startsWith("app.conf: 3: Invalid path 'rocks.heartbeat-intervall': unknown key"), e.getMessage());
  }

  @Test
  void rejectsBackoffCapBelowInitial() {
    ConfigException e =
        assertThrows(
            ConfigException.BadValue.class,
            () -> RocksSettings.parse("rocks.backoff { initial = 2 s, cap = 1 s }", "app.conf"));
    assertEquals(
        "app.conf: 1: Invalid value at 'rocks.backoff.cap': must not be shorter than rocks.backoff.initial",
        e.getMessage());
  }
}
