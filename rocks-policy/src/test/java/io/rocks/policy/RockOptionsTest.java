package io.rocks.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.Rock;
import io.rocks.RockClientAuth;
import io.rocks.RockDetection;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockSecret;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * Value semantics and validation of {@link RockOptions}. Here rather than in rocks-api because
 * {@link RockOptions#defaults()} needs an implementation; {@link RocksPolicy} reads the same
 * defaults from {@code reference.conf} without one.
 */
class RockOptionsTest {
  private static final RockOptions DEFAULTS = RocksPolicy.parse("", "empty").defaults();

  @Test
  void toStringListsEveryOptionInRecordForm() {
    assertEquals(
        "RockOptions[heartbeatInterval=PT0.5S, failureSensitivity=3, reconnectTimeout=PT24H,"
            + " backoffInitial=PT0.02S, backoffCap=PT0.5S, backoffJitter=1.0, connectTimeout=PT3S,"
            + " handshakeTimeout=PT3S, inFlightCapacity=1048576, receiveWindow=1048576, maxWindow=33554432, listeners=[],"
            + " preSharedSecret=null, tls=null, tlsClientAuth=NONE, maxSuspendedRocks=10000,"
            + " detection=DETECT, detectTimeout=PT0.5S, detectCacheTtl=PT10M, idleAfter=PT1M,"
            + " idleHeartbeatInterval=PT25S, tcpKeepAlive=true]",
        DEFAULTS.toString());
  }

  @Test
  void toStringRedactsTheSecret() {
    RockOptions options =
        DEFAULTS.toBuilder().preSharedSecret(RockSecret.of(new byte[16])).build();
    assertTrue(
        options.toString().contains(", preSharedSecret=RockSecret[redacted, 16 bytes], "),
        options.toString());
  }

  @Test
  void optionsBuiltFromTheSameValuesAreEqualWithEqualHashCodes() {
    RockOptions copy = DEFAULTS.toBuilder().build();
    assertEquals(DEFAULTS, copy);
    assertEquals(DEFAULTS.hashCode(), copy.hashCode());
    assertEquals(DEFAULTS.toString(), copy.toString());
    RockOptions rebuilt = RockOptions.emptyBuilder()
        .heartbeatInterval(Duration.ofMillis(500))
        .failureSensitivity(3)
        .reconnectTimeout(Duration.ofHours(24))
        .backoff(Duration.ofMillis(20), Duration.ofMillis(500))
        .backoffJitter(1.0)
        .connectTimeout(Duration.ofSeconds(3))
        .handshakeTimeout(Duration.ofSeconds(3))
        .inFlightCapacity(1 << 20)
        .receiveWindow(1 << 20)
        .maxWindow(32 << 20)
        .listeners(List.of())
        .tlsClientAuth(RockClientAuth.NONE)
        .maxSuspendedRocks(10_000)
        .detection(RockDetection.DETECT)
        .detectTimeout(Duration.ofMillis(500))
        .detectCacheTtl(Duration.ofMinutes(10))
        .idleAfter(Duration.ofSeconds(60))
        .idleHeartbeatInterval(Duration.ofSeconds(25))
        .tcpKeepAlive(true)
        .build();
    assertEquals(DEFAULTS, rebuilt);
    assertEquals(DEFAULTS.hashCode(), rebuilt.hashCode());
  }

  @Test
  void changingAnyOneOptionMakesTheOptionsUnequal() throws Exception {
    SSLContext tls = SSLContext.getDefault();
    RockListener listener = new RockListener() {
      @Override
      public void connected(Rock rock) {}
    };
    Map<String, UnaryOperator<RockOptions.Builder>> changes = new LinkedHashMap<>();
    changes.put("heartbeatInterval", b -> b.heartbeatInterval(Duration.ofMillis(400)));
    changes.put("failureSensitivity", b -> b.failureSensitivity(4));
    changes.put("reconnectTimeout", b -> b.reconnectTimeout(Duration.ofHours(1)));
    changes.put("backoffInitial", b -> b.backoff(Duration.ofMillis(10), Duration.ofMillis(500)));
    changes.put("backoffCap", b -> b.backoff(Duration.ofMillis(20), Duration.ofMillis(600)));
    changes.put("backoffJitter", b -> b.backoffJitter(0.5));
    changes.put("connectTimeout", b -> b.connectTimeout(Duration.ofSeconds(4)));
    changes.put("handshakeTimeout", b -> b.handshakeTimeout(Duration.ofSeconds(4)));
    changes.put("inFlightCapacity", b -> b.inFlightCapacity(1 << 21));
    changes.put("receiveWindow", b -> b.receiveWindow(1 << 21));
    changes.put("listeners", b -> b.listeners(List.of(listener)));
    changes.put("preSharedSecret", b -> b.preSharedSecret(RockSecret.of(new byte[16])));
    changes.put("tls", b -> b.tls(tls));
    changes.put("tlsClientAuth", b -> b.tlsClientAuth(RockClientAuth.NEED));
    changes.put("maxSuspendedRocks", b -> b.maxSuspendedRocks(5));
    changes.put("detection", b -> b.detection(RockDetection.ASSUME_ROCK));
    changes.put("detectTimeout", b -> b.detectTimeout(Duration.ofMillis(400)));
    changes.put("detectCacheTtl", b -> b.detectCacheTtl(Duration.ofMinutes(5)));
    changes.put("idleAfter", b -> b.idleAfter(Duration.ofSeconds(30)));
    changes.put("idleHeartbeatInterval", b -> b.idleHeartbeatInterval(Duration.ofSeconds(20)));
    changes.put("tcpKeepAlive", b -> b.tcpKeepAlive(false));
    for (Map.Entry<String, UnaryOperator<RockOptions.Builder>> change : changes.entrySet()) {
      RockOptions changed = change.getValue().apply(DEFAULTS.toBuilder()).build();
      RockOptions again = change.getValue().apply(DEFAULTS.toBuilder()).build();
      assertNotEquals(DEFAULTS, changed, change.getKey());
      assertNotEquals(DEFAULTS.toString(), changed.toString(), change.getKey());
      assertEquals(changed, again, change.getKey());
      assertEquals(changed.hashCode(), again.hashCode(), change.getKey());
    }
    assertEquals(21, changes.size(), "one change per option");
  }

  @Test
  void rejectsIdleOptionsNamingThem() {
    assertEquals("idleAfter must be positive, was PT0S",
        rejected(b -> b.idleAfter(Duration.ZERO)));
    assertEquals("idleAfter must be positive, was PT-1S",
        rejected(b -> b.idleAfter(Duration.ofSeconds(-1))));
    assertEquals("idleHeartbeatInterval must be positive, was PT-25S",
        rejected(b -> b.idleHeartbeatInterval(Duration.ofSeconds(-25))));
    assertEquals(Duration.ofMillis(400),
        DEFAULTS.toBuilder().idleHeartbeatInterval(Duration.ofMillis(400)).build().idleHeartbeatInterval());
    assertEquals("idleAfter",
        assertThrows(NullPointerException.class, () -> DEFAULTS.toBuilder().idleAfter(null).build())
            .getMessage());
  }

  @Test
  void anIdleHeartbeatIntervalEqualToTheHeartbeatIntervalIsAccepted() {
    RockOptions options = DEFAULTS.toBuilder()
        .heartbeatInterval(Duration.ofSeconds(25))
        .idleHeartbeatInterval(Duration.ofSeconds(25))
        .build();
    assertEquals(Duration.ofSeconds(25), options.idleHeartbeatInterval());
  }

  @Test
  void keepsTheMessagesOfTheEarlierOptions() {
    assertEquals("heartbeatInterval must be positive, was PT0S",
        rejected(b -> b.heartbeatInterval(Duration.ZERO)));
    assertEquals("failureSensitivity must be at least 1, was 0",
        rejected(b -> b.failureSensitivity(0)));
    assertEquals("backoffJitter must be between 0 and 1, was 1.5",
        rejected(b -> b.backoffJitter(1.5)));
    assertEquals("backoffCap (PT0.01S) is shorter than backoffInitial (PT0.02S)",
        rejected(b -> b.backoff(Duration.ofMillis(20), Duration.ofMillis(10))));
    assertEquals("receiveWindow must be from 65536 to 1073741824 bytes, was 1024",
        rejected(b -> b.receiveWindow(1024)));
    assertEquals("maxSuspendedRocks must be at least 1, was 0",
        rejected(b -> b.maxSuspendedRocks(0)));
  }

  @Test
  void anEmptyBuilderNamesTheFirstOptionNotSet() {
    assertEquals("heartbeatInterval",
        assertThrows(NullPointerException.class, () -> RockOptions.emptyBuilder().build())
            .getMessage());
    RockOptions.Builder empty = RockOptions.emptyBuilder()
        .heartbeatInterval(DEFAULTS.heartbeatInterval())
        .failureSensitivity(DEFAULTS.failureSensitivity())
        .reconnectTimeout(DEFAULTS.reconnectTimeout())
        .backoff(DEFAULTS.backoffInitial(), DEFAULTS.backoffCap())
        .backoffJitter(DEFAULTS.backoffJitter())
        .connectTimeout(DEFAULTS.connectTimeout())
        .handshakeTimeout(DEFAULTS.handshakeTimeout())
        .inFlightCapacity(DEFAULTS.inFlightCapacity())
        .receiveWindow(DEFAULTS.receiveWindow())
        .maxWindow(DEFAULTS.maxWindow())
        .listeners(DEFAULTS.listeners())
        .tlsClientAuth(DEFAULTS.tlsClientAuth())
        .maxSuspendedRocks(DEFAULTS.maxSuspendedRocks())
        .detection(DEFAULTS.detection())
        .detectTimeout(DEFAULTS.detectTimeout())
        .detectCacheTtl(DEFAULTS.detectCacheTtl())
        .idleAfter(DEFAULTS.idleAfter())
        .idleHeartbeatInterval(DEFAULTS.idleHeartbeatInterval());
    assertEquals("tcpKeepAlive",
        assertThrows(NullPointerException.class, empty::build).getMessage());
    assertEquals(DEFAULTS, empty.tcpKeepAlive(true).build());
  }

  /** Returns the message of the {@link IllegalArgumentException} that {@code change} causes. */
  private static String rejected(UnaryOperator<RockOptions.Builder> change) {
    return assertThrows(IllegalArgumentException.class,
        () -> change.apply(DEFAULTS.toBuilder()).build()).getMessage();
  }
}
