package io.rocks.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs the JMH micro-benchmarks (package {@code io.rocks.impl}: frame codec, in-flight buffer,
 * handshake crypto) and writes one line per benchmark for {@link Report}: name, unit, score, error,
 * and the min, median and max of the measurement iterations.
 *
 * <pre>
 *   java -cp ... io.rocks.bench.Micro [--out FILE] [--include REGEX] [--quick]
 * </pre>
 *
 * Defaults fit a 2-core machine: 1 fork, 3 warm-up and 5 measurement iterations of 1 s each.
 */
public final class Micro {
  private Micro() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of("target/bench/micro.tsv");
    String include = "io\\.rocks\\.impl\\..*Bench";
    int warmups = 3;
    int iterations = 5;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--include" -> include = args[++i];
        case "--quick" -> {
          warmups = 1;
          iterations = 2;
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    List<String> jvmArgs = new ArrayList<>(List.of("-Xmx1g"));
    if (Runtime.version().feature() >= 24) {
      // JMH 1.37 calls sun.misc.Unsafe, which these JDKs warn about in every fork.
      jvmArgs.add("--sun-misc-unsafe-memory-access=allow");
    }
    Options options =
        new OptionsBuilder()
            .include(include)
            .forks(1)
            .warmupIterations(warmups)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(iterations)
            .measurementTime(TimeValue.seconds(1))
            .jvmArgsAppend(jvmArgs.toArray(String[]::new))
            .shouldFailOnError(true)
            .build();
    Collection<RunResult> results = new Runner(options).run();
    write(out, results, warmups, iterations);
  }

  private static void write(Path out, Collection<RunResult> results, int warmups, int iterations)
      throws IOException {
    Files.createDirectories(out.toAbsolutePath().getParent());
    List<String> lines = new ArrayList<>();
    lines.add("# benchmark\tunit\tscore\terror\tmin\tmedian\tmax\titerations\tjvm");
    for (RunResult run : results) {
      BenchmarkParams params = run.getParams();
      StringBuilder name = new StringBuilder(params.getBenchmark().replace("io.rocks.impl.", ""));
      for (String key : params.getParamsKeys()) {
        name.append(" ").append(key).append("=").append(params.getParam(key));
      }
      Result<?> primary = run.getPrimaryResult();
      Statistics stats = primary.getStatistics();
      lines.add(
          String.join(
              "\t",
              name,
              primary.getScoreUnit(),
              Double.toString(primary.getScore()),
              Double.toString(primary.getScoreError()),
              Double.toString(stats.getMin()),
              Double.toString(stats.getPercentile(50)),
              Double.toString(stats.getMax()),
              Long.toString(stats.getN()),
              params.getJvm() + " " + params.getJdkVersion()));
    }
    lines.add(
        "# settings\t1 fork, " + warmups + " warm-up and " + iterations
            + " measurement iterations of 1 s each");
    try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      for (String line : lines) {
        w.write(line);
        w.write('\n');
      }
    }
  }
}
