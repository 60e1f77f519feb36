package io.rocks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import io.rocks.RockOptions;
import io.rocks.Rocks;
import io.rocks.chaos.TimeLimit;
import io.rocks.chaos.ToxiproxyServer;
import io.rocks.testkit.Await;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Programs no one here wrote, through a tunnel whose rock link runs through a real Toxiproxy server
 * and is cut in the middle of a session: curl downloading 32 MiB from {@code python3 -m
 * http.server}, and redis-cli storing and reading back a 4 MiB value in redis-server. Each program
 * must finish as if nothing happened, with the bytes intact.
 *
 * <pre>
 *   program -> tunnel (local port) -> rock -> Toxiproxy -> gateway -> target server
 * </pre>
 *
 * The cut is a {@code timeout} toxic with timeout 0 in both directions (packets vanish, nothing is
 * closed), held until the tunnel's rock has suspended and one reconnection attempt has failed
 * against the dead link, then removed.
 *
 * <p>A missing program skips its test with the reason printed, except in CI (CI=true), where
 * scripts/install-test-programs should have installed it and its absence fails the test.
 */
@Timeout(150)
class RealProgramsTest {
  private static final Duration CALL_LIMIT = Duration.ofSeconds(10);
  private static final long MIB = 1024 * 1024;
  private static final boolean CI = "true".equals(System.getenv("CI"));

  private static ToxiproxyServer toxiproxy;
  private static ToxiproxyClient toxiproxyClient;

  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void startToxiproxy() throws Exception {
    Path module = Path.of(System.getProperty("user.dir"));
    Path binary;
    try {
      binary = ToxiproxyServer.locateBinary(module);
    } catch (IOException e) {
      need(false, e.getMessage());
      return;
    }
    toxiproxy = ToxiproxyServer.start(binary, module.resolve("target").resolve("toxiproxy-cli-e2e.log"), Duration.ofSeconds(15));
    toxiproxyClient = toxiproxy.client();
  }

  @AfterAll
  static void stopToxiproxy() {
    if (toxiproxy != null) {
      toxiproxy.close();
    }
  }

  @AfterEach
  void stopEverything() {
    for (Process process : processes) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      try {
        cleanup.get(i).close();
      } catch (Exception e) {
        System.out.println("cleanup: " + e);
      }
    }
  }

  @Test
  void curlDownloadsThirtyTwoMibThroughACut(@TempDir Path dir) throws Exception {
    needProgram("curl");
    needProgram("python3");
    Path served = dir.resolve("served");
    Files.createDirectories(served);
    Path file = served.resolve("big.bin");
    writeRandomFile(file, 32 * MIB);
    int httpPort = startServer("python3 http.server", dir.resolve("http.log"),
        port -> List.of("python3", "-m", "http.server", Integer.toString(port), "--bind", "127.0.0.1",
            "--directory", served.toString()));
    Rig rig = rig("curl", Endpoint.parse(Cli.loopback(httpPort)));

    Path downloaded = dir.resolve("downloaded.bin");
    // --limit-rate stretches the download over a few seconds so the cut lands in the middle of it.
    Process curl = start(dir.resolve("curl.log"), "curl", "--silent", "--show-error", "--fail", "--noproxy", "*",
        "--max-time", "120", "--limit-rate", "8M", "--output", downloaded.toString(),
        "http://127.0.0.1:" + rig.tunnel.localAddress().getPort() + "/big.bin");
    Await.until(Duration.ofSeconds(30), "curl has downloaded 8 MiB",
        () -> size(downloaded) >= 8 * MIB || !curl.isAlive());
    assertTrue(curl.isAlive(), "curl ended before the cut: " + Files.readString(dir.resolve("curl.log")));
    long atCut = size(downloaded);
    rig.cutAndHeal();
    assertTrue(curl.waitFor(120, TimeUnit.SECONDS), "curl did not finish");
    assertEquals(0, curl.exitValue(), "curl failed: " + Files.readString(dir.resolve("curl.log")));
    assertTrue(atCut < 32 * MIB, "the cut came after the download");
    assertEquals(sha256(file), sha256(downloaded), "the downloaded file differs from the served one");
    rig.assertSuspendedAndResumed();
    System.out.printf("curl: 32 MiB downloaded through a cut at %.1f MiB; %s%n", atCut / (double) MIB, rig.tunnel.statusLine());
  }

  @Test
  void redisCliSetsAndGetsAFourMibValueThroughACut(@TempDir Path dir) throws Exception {
    needProgram("redis-server");
    needProgram("redis-cli");
    int redisPort = startServer("redis-server", dir.resolve("redis.log"),
        port -> List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no"));
    Await.until(Duration.ofSeconds(20), "redis-server answers PING", () -> redisPing(redisPort));
    Rig rig = rig("redis", Endpoint.parse(Cli.loopback(redisPort)));

    byte[] random = new byte[2 * (int) MIB];
    new Random(6379).nextBytes(random);
    String value = HexFormat.of().formatHex(random); // 4 MiB of text, one line
    // One redis-cli session, commands read line by line from its standard input.
    Process cli = new ProcessBuilder("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(rig.tunnel.localAddress().getPort()))
        .redirectError(dir.resolve("redis-cli.err").toFile())
        .start();
    processes.add(cli);
    OutputStream commands = cli.getOutputStream();
    BufferedReader replies = new BufferedReader(new InputStreamReader(cli.getInputStream(), StandardCharsets.UTF_8));

    commands.write(("SET big " + value + "\n").getBytes(StandardCharsets.US_ASCII));
    commands.flush();
    assertEquals("OK", readLine(replies, Duration.ofSeconds(30), dir), "reply to SET");

    // Cut the link, ask for the value while it is down, then heal it: the GET waits in the rock.
    rig.cut();
    try {
      rig.awaitOutage();
      commands.write("GET big\n".getBytes(StandardCharsets.US_ASCII));
      commands.flush();
    } finally {
      rig.heal();
    }
    String got = readLine(replies, Duration.ofSeconds(60), dir);
    assertEquals(value.length(), got.length(), "length of the value read back");
    assertTrue(value.equals(got), "the value read back differs from the one stored");

    commands.write("DBSIZE\n".getBytes(StandardCharsets.US_ASCII));
    commands.flush();
    assertEquals("1", readLine(replies, Duration.ofSeconds(30), dir), "reply to DBSIZE");
    commands.close();
    assertTrue(cli.waitFor(30, TimeUnit.SECONDS), "redis-cli did not end after its input ended");
    assertEquals(0, cli.exitValue(), "redis-cli failed: " + Files.readString(dir.resolve("redis-cli.err")));
    rig.assertSuspendedAndResumed();
    System.out.println("redis-cli: 4 MiB value stored and read back through a cut; " + rig.tunnel.statusLine());
  }

  // ------------------------------------------------------------------------------ the rig

  /** A gateway, a Toxiproxy proxy in front of it, and a tunnel whose rocks cross the proxy. */
  private final class Rig {
    final Gateway gateway;
    final Proxy proxy;
    final Tunnel tunnel;
    private final List<Toxic> toxics = new ArrayList<>();

    Rig(String name, Endpoint target) throws Exception {
      RockOptions options = Rocks.defaultOptions().toBuilder().reconnectTimeout(Duration.ofSeconds(60)).build();
      gateway = new Gateway(Endpoint.parseListen("127.0.0.1:0"), List.of(target), options, new Display.Log());
      gateway.start();
      cleanup.add(gateway);
      String upstream = "127.0.0.1:" + gateway.address().getPort();
      proxy = call("create proxy " + name, () -> toxiproxyClient.createProxy("rock-link-" + name, "127.0.0.1:0", upstream));
      cleanup.add(() -> call("delete proxy " + name, () -> {
        proxy.delete();
        return null;
      }));
      Endpoint via = Endpoint.parse(proxy.getListen());
      tunnel = new Tunnel(Endpoint.parseListen("127.0.0.1:0"), via, target, options, new Display.Log());
      tunnel.start();
      cleanup.add(tunnel);
    }

    /** Packets vanish both ways; nothing is closed. */
    void cut() throws Exception {
      for (ToxicDirection direction : ToxicDirection.values()) {
        String name = "cut-" + direction.name().toLowerCase();
        toxics.add(call("add timeout toxic " + name, () -> proxy.toxics().timeout(name, direction, 0)));
      }
      System.out.println("cut: the rock link drops everything now; " + tunnel.statusLine());
    }

    /** Waits until the tunnel's rock has suspended and one reconnection attempt has failed. */
    void awaitOutage() throws Exception {
      Await.until(Duration.ofSeconds(30), "the tunnel's rock suspended and failed a reconnection attempt", () -> {
        Links.Summary s = tunnel.links().summary();
        return s.state().equals("SUSPENDED") && s.reconnectAttempts() >= 1;
      });
      System.out.println("outage seen: " + tunnel.statusLine());
    }

    void heal() throws Exception {
      for (Toxic toxic : toxics) {
        call("remove toxic " + toxic.getName(), () -> {
          toxic.remove();
          return null;
        });
      }
      toxics.clear();
      System.out.println("healed: " + tunnel.statusLine());
    }

    void cutAndHeal() throws Exception {
      cut();
      try {
        awaitOutage();
      } finally {
        heal();
      }
    }

    void assertSuspendedAndResumed() throws Exception {
      Await.until(Duration.ofSeconds(10), "the tunnel carries no connection", () -> tunnel.links().summary().openConnections() == 0);
      Links.Summary s = tunnel.links().summary();
      assertTrue(s.suspensions() >= 1, "the tunnel's rock never suspended: " + tunnel.statusLine());
      assertEquals(1, s.carriedConnections(), "connections carried: " + tunnel.statusLine());
    }
  }

  private Rig rig(String name, Endpoint target) throws Exception {
    return new Rig(name, target);
  }

  private static <T> T call(String what, Callable<T> call) throws Exception {
    return TimeLimit.call(CALL_LIMIT, what, call);
  }

  // ------------------------------------------------------------------------------ processes

  /** Skips the test (or, in CI, fails it) unless {@code condition} holds. */
  private static void need(boolean condition, String reason) {
    if (condition) {
      return;
    }
    if (CI) {
      fail(reason + " (in CI, scripts/install-test-programs and scripts/install-toxiproxy install what this needs)");
    }
    System.out.println("SKIPPED: " + reason);
    Assumptions.abort(reason);
  }

  private static void needProgram(String program) {
    need(onPath(program), program + " is not installed; run scripts/install-test-programs as root with CI=true, or"
        + " apt-get install " + (program.startsWith("redis-cli") ? "redis-tools" : program));
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return true;
      }
    }
    return false;
  }

  private Process start(Path log, String... command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(process);
    return process;
  }

  /** The command of a server listening on the port given. */
  @FunctionalInterface
  private interface ServerCommand {
    List<String> forPort(int port);
  }

  /**
   * Starts a server on a free loopback port and waits until it accepts connections; retries on
   * another port if the one picked was taken meanwhile (the server then exits at once).
   */
  private int startServer(String name, Path log, ServerCommand command) throws Exception {
    for (int attempt = 1; attempt <= 3; attempt++) {
      int port = Cli.closedPort();
      Process process = start(log, command.forPort(port).toArray(String[]::new));
      Await.until(Duration.ofSeconds(20), name + " listens on port " + port, () -> !process.isAlive() || accepts(port));
      if (process.isAlive()) {
        return port;
      }
      System.out.println(name + " exited at once on port " + port + ": " + Files.readString(log));
    }
    throw new IOException(name + " did not start; see " + log);
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(Cli.LOOPBACK, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean redisPing(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(Cli.LOOPBACK, port), 1000);
      socket.setSoTimeout(1000);
      socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] reply = socket.getInputStream().readNBytes(7);
      return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
    } catch (IOException e) {
      return false;
    }
  }

  private static String readLine(BufferedReader reader, Duration limit, Path dir) throws Exception {
    String line = TimeLimit.call(limit, "read a reply line of redis-cli", reader::readLine);
    if (line == null) {
      fail("redis-cli ended its output early: " + Files.readString(dir.resolve("redis-cli.err")));
    }
    return line;
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static void writeRandomFile(Path file, long bytes) throws IOException {
    Random random = new Random(32);
    byte[] chunk = new byte[(int) MIB];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < bytes; written += chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk);
      }
    }
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
