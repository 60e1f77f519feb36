package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.rocks.policy.RocksPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A malformed application configuration fails every use of the library with the same clear
 * error (the key, the value, the file and line), not once with an initialiser's error and then
 * with "could not initialize class".
 */
class BadConfigurationTest {
  private static final String EXPECTED_TAIL =
      ": 2: Invalid value at 'rocks.connect-timeout': must be a duration such as \"500 ms\" or \"2 seconds\", was \"soon\"";

  @Test
  @Timeout(60)
  void everyUseThrowsTheSameConfigurationError(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("application.conf");
    Files.writeString(conf, "rocks {\n  connect-timeout = soon\n}\n");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dconfig.file=" + conf,
                "-cp",
                testClassPath(),
                BadConfigurationMain.class.getName())
            .redirectErrorStream(true)
            .start();
    List<String> uses = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("USE ")) {
          uses.add(line);
        }
      }
    }
    assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child exits");
    assertEquals(0, child.exitValue());
    String expected = ConfigException.Generic.class.getName() + ": " + conf + EXPECTED_TAIL;
    assertEquals(List.of("USE 0 " + expected, "USE 1 " + expected, "USE 2 " + expected), uses);
  }

  @Test
  void aFailedLoadIsNotRepeatedAndEachCallGetsItsOwnException() {
    AtomicInteger loads = new AtomicInteger();
    RealRocksProvider.PolicyLoad load =
        new RealRocksProvider.PolicyLoad(
            () -> {
              loads.incrementAndGet();
              return RocksPolicy.parse("rocks {\n  connect-timeout = soon\n}\n", "app.conf");
            });
    ConfigException first = assertThrows(ConfigException.class, load::get);
    ConfigException second = assertThrows(ConfigException.class, load::get);
    assertEquals("app.conf" + EXPECTED_TAIL, first.getMessage());
    assertEquals(first.getMessage(), second.getMessage());
    assertTrue(first != second, "a fresh exception per call, with its own stack trace");
    assertSame(first.getCause(), second.getCause(), "both caused by the one failed load");
    assertEquals(1, loads.get());
  }

  @Test
  void aGoodPolicyIsLoadedOnce() {
    AtomicInteger loads = new AtomicInteger();
    RealRocksProvider.PolicyLoad load =
        new RealRocksProvider.PolicyLoad(
            () -> {
              loads.incrementAndGet();
              return RocksPolicy.load(ConfigFactory.load(), BadConfigurationTest.class.getClassLoader());
            });
    assertSame(load.get(), load.get());
    assertEquals(1, loads.get());
  }

  private static String testClassPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }
}
