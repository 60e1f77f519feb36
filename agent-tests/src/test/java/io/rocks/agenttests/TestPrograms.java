package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The real servers these tests need from the machine's packages. A missing one fails the test in
 * CI ({@code CI=true}, after {@code scripts/install-test-programs} installed what was missing) and
 * skips it, with the reason, elsewhere.
 */
final class TestPrograms {
  private TestPrograms() {}

  static Path postgres() throws IOException {
    Path bin = Postgres.installed();
    if (bin == null) {
      missing("PostgreSQL (/usr/lib/postgresql/VERSION/bin/postgres; Debian package postgresql)");
    }
    return bin;
  }

  static Path redisServer() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, "redis-server");
      if (java.nio.file.Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    missing("redis-server (Debian package redis-server)");
    return null;
  }

  private static void missing(String what) {
    String message = what + " is not installed; scripts/install-test-programs installs it in CI";
    if ("true".equals(System.getenv("CI"))) {
      fail(message);
    }
    Assumptions.abort(message);
  }
}
