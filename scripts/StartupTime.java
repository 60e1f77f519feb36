import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Measures how long the {@code rocks} command takes to be ready, from the moment its launcher is
 * started: run by {@code scripts/startup-time}, which explains the measures. Each variant is a
 * launcher (a {@code bin/rocks}) with optional JVM options; the variants take turns within every
 * round, in an order that rotates from round to round, so that a busy machine slows each alike.
 *
 * <pre>
 *   java scripts/StartupTime.java [--runs N] [--warmups N] --variant LABEL=LAUNCHER[::JAVA_OPTS[::NAME=VALUE]...] ...
 * </pre>
 *
 * <p>Prints a Markdown table: for each measure and variant, median, min and max in milliseconds.
 * Runs on the main thread; the echo server it starts answers on virtual threads.
 */
public final class StartupTime {
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  static final long PROCESS_LIMIT_SECONDS = 60;

  /** A launcher to measure, with JAVA_OPTS and other environment variables of its own. */
  record Variant(String label, String launcher, String javaOpts, Map<String, String> environment) {
    /** Parses {@code LABEL=LAUNCHER[::JAVA_OPTS[::NAME=VALUE]...]}. */
    static Variant parse(String spec) {
      int equals = spec.indexOf('=');
      if (equals < 1) {
        throw new IllegalArgumentException("--variant LABEL=LAUNCHER[::JAVA_OPTS[::NAME=VALUE]...], not " + spec);
      }
      String[] parts = spec.substring(equals + 1).split("::", -1);
      Map<String, String> environment = new LinkedHashMap<>();
      for (int i = 2; i < parts.length; i++) {
        int assign = parts[i].indexOf('=');
        environment.put(parts[i].substring(0, assign), parts[i].substring(assign + 1));
      }
      return new Variant(spec.substring(0, equals), parts[0], parts.length > 1 ? parts[1] : "", environment);
    }

    ProcessBuilder command(String... args) {
      List<String> command = new ArrayList<>();
      command.add(launcher);
      command.addAll(Arrays.asList(args));
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().put("JAVA_OPTS", javaOpts);
      builder.environment().remove("ROCKS_REBUILD");
      builder.environment().putAll(environment);
      return builder;
    }
  }

  enum Measure {
    VERSION("`rocks --version`, to exit"),
    HELP("`rocks --help`, to exit"),
    CAT("`rocks cat --to ECHO GATEWAY`, to the first byte echoed"),
    TUNNEL("`rocks tunnel`, to the first byte echoed through it");

    final String description;

    Measure(String description) {
      this.description = description;
    }
  }

  public static void main(String[] args) throws Exception {
    int runs = 15;
    int warmups = 2;
    List<Variant> variants = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--warmups" -> warmups = Integer.parseInt(args[++i]);
        case "--variant" -> variants.add(Variant.parse(args[++i]));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (variants.isEmpty()) {
      throw new IllegalArgumentException("give at least one --variant LABEL=LAUNCHER");
    }
    Map<Variant, Map<Measure, List<Long>>> samples = new LinkedHashMap<>();
    for (Variant variant : variants) {
      Map<Measure, List<Long>> byMeasure = new LinkedHashMap<>();
      for (Measure measure : Measure.values()) {
        byMeasure.put(measure, new ArrayList<>());
      }
      samples.put(variant, byMeasure);
    }
    try (EchoServer echo = new EchoServer();
        Gateway gateway = Gateway.start(variants.get(0), echo.port())) {
      for (int round = 0; round < warmups + runs; round++) {
        for (int k = 0; k < variants.size(); k++) {
          Variant variant = variants.get((round + k) % variants.size());
          for (Measure measure : Measure.values()) {
            long nanos = measure(measure, variant, echo.port(), gateway.port);
            if (round >= warmups) {
              samples.get(variant).get(measure).add(nanos);
            }
          }
        }
        System.err.print(round < warmups ? "w" : ".");
      }
      System.err.println();
    }
    System.out.println("| Measure | Variant | Median | Min | Max | n |");
    System.out.println("|---|---|---|---|---|---|");
    for (Measure measure : Measure.values()) {
      for (Variant variant : variants) {
        long[] sorted = samples.get(variant).get(measure).stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %d |%n",
            measure.description, variant.label, ms(median(sorted)), ms(sorted[0]), ms(sorted[sorted.length - 1]),
            sorted.length);
      }
    }
  }

  static double median(long[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }

  static String ms(double nanos) {
    return String.format(Locale.ROOT, "%.0f ms", nanos / 1e6);
  }

  /** Returns the nanoseconds from starting the launcher to {@code measure}'s moment of readiness. */
  static long measure(Measure measure, Variant variant, int echoPort, int gatewayPort) throws Exception {
    String echo = "127.0.0.1:" + echoPort;
    String gateway = "127.0.0.1:" + gatewayPort;
    return switch (measure) {
      case VERSION -> toExit(variant.command("--version"));
      case HELP -> toExit(variant.command("--help"));
      case CAT -> catToEcho(variant.command("cat", "--to", echo, gateway));
      case TUNNEL -> {
        int local = freePort();
        yield tunnelToEcho(
            variant.command("tunnel", "--local", "127.0.0.1:" + local, "--via", gateway, "--to", echo,
                "--status-interval", "0"),
            local);
      }
    };
  }

  static long toExit(ProcessBuilder builder) throws Exception {
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
    long start = System.nanoTime();
    Process process = builder.start();
    int exit = awaitExit(process);
    long nanos = System.nanoTime() - start;
    check(exit == 0, builder, "exited " + exit);
    return nanos;
  }

  /** Sends one byte to {@code rocks cat}'s standard input and waits for it on its standard output. */
  static long catToEcho(ProcessBuilder builder) throws Exception {
    builder.redirectError(ProcessBuilder.Redirect.INHERIT);
    long start = System.nanoTime();
    Process process = builder.start();
    long nanos;
    try (OutputStream stdin = process.getOutputStream(); InputStream stdout = process.getInputStream()) {
      stdin.write('x');
      stdin.flush();
      int echoed = stdout.read();
      nanos = System.nanoTime() - start;
      check(echoed == 'x', builder, "echoed " + echoed + " instead of 'x'");
      stdin.close();
      stdout.transferTo(OutputStream.nullOutputStream());
    }
    int exit = awaitExit(process);
    check(exit == 0, builder, "exited " + exit);
    return nanos;
  }

  /**
   * Waits for {@code rocks tunnel} to announce that the gateway allows it, then sends one byte through
   * the tunnel's local port and waits for its echo.
   */
  static long tunnelToEcho(ProcessBuilder builder, int localPort) throws Exception {
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    long start = System.nanoTime();
    Process process = builder.start();
    long nanos;
    try {
      BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = stderr.readLine()) != null && !line.contains("the gateway allows it")) {
        System.err.println(line);
      }
      check(line != null, builder, "ended without announcing the tunnel");
      try (Socket client = new Socket(LOOPBACK, localPort)) {
        client.getOutputStream().write('x');
        int echoed = client.getInputStream().read();
        nanos = System.nanoTime() - start;
        check(echoed == 'x', builder, "echoed " + echoed + " instead of 'x'");
      }
      Thread.ofVirtual().start(() -> drain(process.getErrorStream()));
    } finally {
      process.destroy();
    }
    awaitExit(process);
    return nanos;
  }

  static int awaitExit(Process process) throws InterruptedException {
    if (!process.waitFor(PROCESS_LIMIT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("rocks did not end within " + PROCESS_LIMIT_SECONDS + " s: " + process.info());
    }
    return process.exitValue();
  }

  static void check(boolean ok, ProcessBuilder builder, String what) {
    if (!ok) {
      throw new IllegalStateException(String.join(" ", builder.command()) + ": " + what);
    }
  }

  static void drain(InputStream in) {
    try (in) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      // the process ended
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
      return probe.getLocalPort();
    }
  }

  /** A {@code rocks serve} gateway allowing the echo server, for the whole measurement. */
  static final class Gateway implements AutoCloseable {
    final Process process;
    final int port;

    private Gateway(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static Gateway start(Variant variant, int echoPort) throws Exception {
      int port = freePort();
      ProcessBuilder builder = variant.command(
          "serve", "--listen", "127.0.0.1:" + port, "--allow", "127.0.0.1:" + echoPort, "--status-interval", "0");
      builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      Process process = builder.start();
      BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = stderr.readLine()) != null && !line.contains("gateway listening")) {
        System.err.println(line);
      }
      if (line == null) {
        process.destroy();
        throw new IllegalStateException("the gateway ended before it listened");
      }
      Thread.ofVirtual().start(() -> drain(process.getErrorStream()));
      return new Gateway(process, port);
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      awaitExit(process);
    }
  }

  /** A plain TCP echo server on loopback; each connection is echoed until its input ends. */
  static final class EchoServer implements AutoCloseable {
    final ServerSocket server;

    EchoServer() throws IOException {
      server = new ServerSocket(0, 50, LOOPBACK);
      Thread.ofVirtual().name("echo-accept").start(this::acceptLoop);
    }

    int port() {
      return server.getLocalPort();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          Thread.ofVirtual().name("echo").start(() -> {
            try (socket) {
              socket.getInputStream().transferTo(socket.getOutputStream());
              socket.shutdownOutput();
            } catch (IOException e) {
              // the measured command ended its side first
            }
          });
        } catch (IOException e) {
          return;
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
