package io.rocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * Without an implementation on the class path, every call says what is missing, the first and every
 * later one alike (rocks-api's tests have no rocks-impl).
 */
class NoProviderTest {
  private static final String MISSING =
      "no io.rocks.spi.RocksProvider found: put rocks-impl on the class or module path";

  @Test
  void everyCallSaysTheImplementationIsMissing() {
    for (int call = 0; call < 3; call++) {
      assertEquals(MISSING, assertThrows(IllegalStateException.class, Rocks::defaultOptions).getMessage());
      assertEquals(MISSING, assertThrows(IllegalStateException.class, RockOptions::defaults).getMessage());
      assertEquals(MISSING, assertThrows(IllegalStateException.class, Rocks::monitor).getMessage());
      assertEquals(MISSING, assertThrows(IllegalStateException.class,
          () -> Rocks.connectRock(new InetSocketAddress("127.0.0.1", 1), null)).getMessage());
    }
  }
}
