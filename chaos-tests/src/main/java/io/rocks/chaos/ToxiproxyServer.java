package io.rocks.chaos;

import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A real Toxiproxy server process (github.com/Shopify/toxiproxy) listening on a free loopback
 * port, for the life of a test suite.
 *
 * <p>{@link #start} finds the {@code toxiproxy-server} binary ({@link #locateBinary}), starts it,
 * and returns once its HTTP API answers; {@link #close} stops it. The server's log goes to a file,
 * so a full pipe can never stall it.
 */
public final class ToxiproxyServer implements AutoCloseable {
  /** The binary's name, on PATH or under {@code <repo>/.tools/bin}. */
  public static final String BINARY = "toxiproxy-server";

  private static final Logger LOG = LogManager.getLogger(ToxiproxyServer.class);

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
  private static final int START_ATTEMPTS = 3;

  private final Process process;
  private final String host;
  private final int port;
  private final String version;
  private final Path log;

  private ToxiproxyServer(Process process, String host, int port, String version, Path log) {
    this.process = process;
    this.host = host;
    this.port = port;
    this.version = version;
    this.log = log;
  }

  /**
   * Returns the {@code toxiproxy-server} to run: the one on PATH, else the one {@code
   * scripts/install-toxiproxy} builds into {@code <repo>/.tools/bin}. The repository root is {@code
   * workingDir} or one of its parents (a module's tests run in the module's folder).
   *
   * @throws IOException if there is none, saying how to install it
   */
  public static Path locateBinary(Path workingDir) throws IOException {
    return locateBinary(workingDir, System.getenv("PATH"));
  }

  /** As {@link #locateBinary(Path)}, with {@code path} in place of the PATH variable. */
  public static Path locateBinary(Path workingDir, String path) throws IOException {
    List<Path> looked = new ArrayList<>();
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty()) {
          Path candidate = Path.of(dir, BINARY);
          if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
            return candidate;
          }
        }
      }
      looked.add(Path.of("$PATH"));
    }
    for (Path dir = workingDir.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(".tools").resolve("bin").resolve(BINARY);
      looked.add(candidate);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
      if (Files.isDirectory(dir.resolve(".git")) || Files.isRegularFile(dir.resolve(".git"))) {
        break; // the repository root: look no further up
      }
    }
    throw new IOException(
        "the Toxiproxy server ("
            + BINARY
            + ") is not installed: run scripts/install-toxiproxy from the repository root (it needs"
            + " Go), or put "
            + BINARY
            + " on PATH. Looked in: "
            + looked);
  }

  /**
   * Starts {@code binary} on a free loopback port, writing its log to {@code logFile}, and waits up
   * to {@code startTimeout} until its API answers {@code GET /version}.
   */
  public static ToxiproxyServer start(Path binary, Path logFile, Duration startTimeout)
      throws IOException, InterruptedException {
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    IOException last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      // The port is free now; another process could take it before the server binds it, which
      // shows as an early exit and is retried on a new port.
      int port = freeLoopbackPort();
      String host = InetAddress.getLoopbackAddress().getHostAddress();
      Process process =
          new ProcessBuilder(binary.toString(), "-host", host, "-port", Integer.toString(port))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .start();
      try {
        String version = awaitApi(process, host, port, startTimeout, logFile);
        ToxiproxyServer server = new ToxiproxyServer(process, host, port, version, logFile);
        LOG.info("started {} from {}; its log: {}", server, binary, logFile);
        return server;
      } catch (IOException e) {
        stop(process);
        LOG.warn("toxiproxy-server start attempt {} on port {} failed: {}", attempt, port, e.getMessage());
        last = e;
      } catch (InterruptedException | RuntimeException e) {
        stop(process);
        throw e;
      }
    }
    throw last;
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(false);
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return probe.getLocalPort();
    }
  }

  /** Polls the API until it answers; returns the version it reports. */
  private static String awaitApi(
      Process process, String host, int port, Duration timeout, Path logFile)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    IOException lastError = null;
    while (true) {
      if (!process.isAlive()) {
        throw new IOException(
            "toxiproxy-server exited with status "
                + process.exitValue()
                + " before its API answered on "
                + host
                + ":"
                + port
                + "; see "
                + logFile);
      }
      try {
        return version(host, port);
      } catch (IOException e) {
        lastError = e;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IOException(
            "toxiproxy-server API on "
                + host
                + ":"
                + port
                + " did not answer within "
                + timeout.toMillis()
                + " ms (last error: "
                + lastError
                + "); see "
                + logFile);
      }
      // A poll interval: the answer from the API decides, and the deadline bounds the wait.
      process.waitFor(20, TimeUnit.MILLISECONDS);
    }
  }

  /** {@code GET /version}, with connect and read timeouts. */
  private static String version(String host, int port) throws IOException {
    HttpURLConnection http =
        (HttpURLConnection) URI.create("http://" + host + ":" + port + "/version").toURL().openConnection();
    http.setConnectTimeout((int) PROBE_TIMEOUT.toMillis());
    http.setReadTimeout((int) PROBE_TIMEOUT.toMillis());
    try {
      int status = http.getResponseCode();
      if (status != 200) {
        throw new IOException("GET /version answered HTTP " + status);
      }
      try (InputStream in = http.getInputStream()) {
        String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        // {"version": "v2.12.0"}
        int colon = body.indexOf(':');
        return colon < 0 ? body.trim() : body.substring(colon + 1).replaceAll("[\"}\\s]", "");
      }
    } finally {
      http.disconnect();
    }
  }

  /** The loopback address the API listens on. */
  public String host() {
    return host;
  }

  /** The API's port. */
  public int port() {
    return port;
  }

  /** The version the server reported when it started. */
  public String version() {
    return version;
  }

  /** The server's log file. */
  public Path log() {
    return log;
  }

  /** The server's process id. */
  public long pid() {
    return process.pid();
  }

  /** Returns true while the server process runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Returns a new client for this server. The client has no HTTP timeouts: bound each call, for
   * example with {@link TimeLimit}.
   */
  public ToxiproxyClient client() {
    return new ToxiproxyClient(host, port);
  }

  /** Stops the server: asks it to exit, and kills it if it has not within 5 s. Never throws. */
  @Override
  public void close() {
    if (process.isAlive()) {
      stop(process);
      LOG.info("stopped {}", this);
    }
  }

  private static void stop(Process process) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "toxiproxy-server " + version + " on " + host + ":" + port + " (pid " + process.pid() + ")";
  }
}
