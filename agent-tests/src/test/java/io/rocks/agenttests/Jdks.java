package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The Java versions the unmodified programs run on under the agent: 21, the oldest the library
 * supports (a JDK under {@code /usr/lib/jvm}, or the runtime {@code scripts/install-java21} puts in
 * {@code .tools/java-21}), and the JDK running the tests. A missing Java 21 fails the test in CI
 * ({@code CI=true}) and skips it, with the reason, elsewhere.
 */
final class Jdks {
  private Jdks() {}

  /** The feature versions to run on, for {@code @MethodSource}. */
  static Stream<Integer> versions() {
    int running = Runtime.version().feature();
    return running == 21 ? Stream.of(21) : Stream.of(21, running);
  }

  /** Returns the {@code java.home} of a runtime of {@code feature}, failing or skipping if there is none. */
  static Path home(int feature) throws IOException, InterruptedException {
    if (feature == Runtime.version().feature()) {
      return Path.of(System.getProperty("java.home"));
    }
    List<Path> candidates = new java.util.ArrayList<>();
    String installed = System.getProperty("agenttests.java21");
    if (installed != null) {
      candidates.add(Path.of(installed));
    }
    Path jvms = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvms)) {
      try (Stream<Path> homes = Files.list(jvms)) {
        homes.sorted().forEach(candidates::add);
      }
    }
    for (Path home : candidates) {
      if (feature(home) == feature) {
        return home;
      }
    }
    String message = "no Java " + feature + " runtime (looked in " + candidates
        + "); scripts/install-java21 installs one into .tools/java-21";
    if ("true".equals(System.getenv("CI"))) {
      fail(message);
    }
    Assumptions.abort(message);
    return null;
  }

  /** Returns the feature version of the runtime at {@code home}, or -1 if it has none that runs. */
  private static int feature(Path home) throws IOException, InterruptedException {
    Path launcher = home.resolve("bin").resolve("java");
    if (!Files.isExecutable(launcher)) {
      return -1;
    }
    Process process = new ProcessBuilder(launcher.toString(), "-version").redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      return -1;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("version \"(\\d+)").matcher(output);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }
}
