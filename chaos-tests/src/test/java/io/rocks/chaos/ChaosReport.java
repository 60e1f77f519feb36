package io.rocks.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.TestAbortedException;

/**
 * Collects a {@link Scenario} per chaos test and prints the summary table once, when the test run
 * ends: scenario, bytes each way, failures injected, detection time and resume time (p50 and max),
 * result.
 *
 * <p>Tests get their scenario as a parameter; it is named after the test's display name.
 */
final class ChaosReport implements BeforeEachCallback, AfterTestExecutionCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ChaosReport.class);
  private static final List<Scenario> SCENARIOS = new ArrayList<>();

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("printer", key -> new Printer(), Printer.class);
    Scenario scenario = new Scenario(context.getDisplayName());
    context.getStore(NAMESPACE).put("scenario", scenario);
    context.getStore(NAMESPACE).put("started", System.nanoTime());
    synchronized (SCENARIOS) {
      SCENARIOS.add(scenario);
    }
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    Scenario scenario = context.getStore(NAMESPACE).get("scenario", Scenario.class);
    long started = context.getStore(NAMESPACE).get("started", Long.class);
    Duration wall = Duration.ofNanos(System.nanoTime() - started);
    Throwable error = context.getExecutionException().orElse(null);
    if (error == null) {
      scenario.finish(Scenario.Result.PASSED, null, wall);
    } else if (error instanceof TestAbortedException) {
      scenario.finish(Scenario.Result.SKIPPED, error.getMessage(), wall);
    } else {
      scenario.finish(Scenario.Result.FAILED, error.getClass().getSimpleName() + ": " + error.getMessage(), wall);
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Scenario.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getStore(NAMESPACE).get("scenario", Scenario.class);
  }

  /** Returns the summary table of every scenario run so far. */
  static String table() {
    List<Scenario> scenarios;
    synchronized (SCENARIOS) {
      scenarios = List.copyOf(SCENARIOS);
    }
    String[] header = {
      "scenario", "client->server", "server->client", "failures", "detect p50", "detect max",
      "resume p50", "resume max", "wall", "result"
    };
    List<String[]> rows = new ArrayList<>();
    rows.add(header);
    for (Scenario s : scenarios) {
      rows.add(
          new String[] {
            s.name(),
            bytes(s.bytesClientToServer()),
            bytes(s.bytesServerToClient()),
            Integer.toString(s.failuresInjected()),
            millis(Scenario.p50(s.detections())),
            millis(Scenario.max(s.detections())),
            millis(Scenario.p50(s.resumes())),
            millis(Scenario.max(s.resumes())),
            seconds(s.wallTime()),
            s.result().name()
          });
    }
    int[] widths = new int[header.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("\n==== Rocks chaos summary ====\n");
    for (int r = 0; r < rows.size(); r++) {
      String[] row = rows.get(r);
      for (int i = 0; i < row.length; i++) {
        String cell = row[i];
        boolean left = i == 0 || i == row.length - 1;
        String padded = left ? String.format("%-" + widths[i] + "s", cell) : String.format("%" + widths[i] + "s", cell);
        out.append(i == 0 ? "| " : " | ").append(padded);
      }
      out.append(" |\n");
      if (r == 0) {
        for (int i = 0; i < widths.length; i++) {
          out.append(i == 0 ? "|-" : "-|-").append("-".repeat(widths[i]));
        }
        out.append("-|\n");
      }
    }
    out.append(
        "failures: faults injected (each toxic phase, cut, reset, outage or address/link change; for"
            + " limit_data, each close).\ndetect: from injecting a fault to the client rock's suspension."
            + " resume: from healing the fault to the client rock's resume, or from the\nsuspension where"
            + " the fault stays armed (limit_data) or was healed before it was noticed (address change)."
            + " '-': not measured.\n");
    for (Scenario s : scenarios) {
      if (!s.note().isEmpty()) {
        out.append("  ").append(s.name()).append(": ").append(s.note()).append('\n');
      }
    }
    return out.toString();
  }

  private static String bytes(long count) {
    if (count <= 0) {
      return "-";
    }
    if (count % (1024 * 1024) == 0) {
      return count / (1024 * 1024) + " MiB";
    }
    return String.format(Locale.ROOT, "%.2f MiB", count / (1024.0 * 1024.0));
  }

  private static String millis(Duration d) {
    return d == null ? "-" : d.toMillis() + " ms";
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  /** Prints the table when the root context closes, after the last test. */
  private static final class Printer implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      String table = table();
      System.out.println(table);
      try {
        Path file = Path.of("target", "chaos-summary.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, table);
      } catch (IOException e) {
        System.out.println("[chaos] could not write target/chaos-summary.txt: " + e);
      }
    }
  }
}
