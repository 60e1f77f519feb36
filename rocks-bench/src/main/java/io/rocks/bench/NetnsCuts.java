package io.rocks.bench;

import io.rocks.chaos.HostCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs figures 3 and 4 a second time on a link that behaves like a real one: {@link CutFigure} in
 * a JVM of its own inside a network namespace made for it ({@code ip netns add}), whose loopback
 * is cut by dropping every packet with {@code tc}. Needs root, {@code ip} and {@code tc}; without
 * them the page says why this link was not measured. The namespace is deleted afterwards.
 */
final class NetnsCuts {
  private static final Duration COMMAND_LIMIT = Duration.ofSeconds(30);
  private final Harness h;

  NetnsCuts(Harness harness) {
    this.h = harness;
  }

  void run() throws Exception {
    Optional<Path> ip = HostCommands.find("ip");
    Optional<Path> tc = HostCommands.find("tc");
    String missing =
        ip.isEmpty() ? "the ip command (iproute2) is not installed"
            : tc.isEmpty() ? "the tc command (iproute2) is not installed"
            : HostCommands.notRootReason().orElse(null);
    if (missing != null) {
      h.results.fact("netns.skipped", missing);
      h.log("figures 3/4 (netns): skipped: %s", missing);
      return;
    }
    String ns = "rocks-bench-" + ProcessHandle.current().pid();
    Path out = h.workDir.resolve("netns.tsv");
    Files.deleteIfExists(out);
    try {
      command(ip.get().toString(), "netns", "add", ns);
      command(ip.get().toString(), "netns", "exec", ns, ip.get().toString(), "link", "set", "lo", "up");
      // Check that this kernel can drop with tc before relying on it.
      List<String> probe = new ArrayList<>(List.of(ip.get().toString(), "netns", "exec", ns, tc.get().toString()));
      probe.addAll(CutFigure.NetnsLink.CUT);
      String failure = commandOrError(probe);
      if (failure != null) {
        h.results.fact("netns.skipped", "tc cannot drop packets here: " + failure);
        h.log("figures 3/4 (netns): skipped: %s", failure);
        return;
      }
      List<String> undo = new ArrayList<>(List.of(ip.get().toString(), "netns", "exec", ns, tc.get().toString()));
      undo.addAll(CutFigure.NetnsLink.RESTORE);
      command(undo.toArray(String[]::new));

      List<String> java = new ArrayList<>(List.of(ip.get().toString(), "netns", "exec", ns));
      java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      java.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path")));
      java.addAll(List.of(CutFigure.class.getName(), "--out", out.toString(), "--tc", tc.get().toString()));
      if (h.settings.quick()) {
        java.add("--quick");
      }
      Process child = new ProcessBuilder(java).inheritIO().start();
      if (!child.waitFor(15, TimeUnit.MINUTES)) {
        child.destroyForcibly().waitFor();
        throw new IOException("the network namespace run did not finish within 15 minutes");
      }
      if (child.exitValue() != 0) {
        throw new IOException("the network namespace run failed with status " + child.exitValue());
      }
      h.results.absorb(out);
    } finally {
      commandOrError(List.of(ip.get().toString(), "netns", "del", ns));
    }
  }

  private static void command(String... command) throws Exception {
    String failure = commandOrError(List.of(command));
    if (failure != null) {
      throw new IOException(failure);
    }
  }

  /** Runs {@code command}; returns null if it succeeded, else what it said. */
  private static String commandOrError(List<String> command) throws Exception {
    try {
      HostCommands.run(command, COMMAND_LIMIT);
      return null;
    } catch (IOException failed) {
      return failed.getMessage();
    }
  }
}
