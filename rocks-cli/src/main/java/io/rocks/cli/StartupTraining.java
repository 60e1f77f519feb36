package io.rocks.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The training run behind the launcher's start-up cache: {@code bin/rocks} runs this class once per
 * build and JDK under {@code -XX:AOTCacheOutput} (JDK 25 and newer) or {@code
 * -XX:ArchiveClassesAtExit} (JDK 21 to 24), and the classes it loads and links are what later runs
 * find ready in the cache.
 *
 * <p>It goes through the same code as a person's commands, in one JVM on loopback: {@code --help}
 * and {@code --version}, a gateway ({@code rocks serve}), {@code rocks cat} through it to a plain
 * echo server, and {@code rocks tunnel} through it with one connection echoed. Exits 0 once every
 * exchange came back intact, 1 otherwise. Runs on the main thread; the gateway and the tunnel run on
 * daemon threads of their own and end with the JVM.
 */
final class StartupTraining {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  /** How long any one step may take before training gives up: a slow machine still finishes. */
  private static final Duration STEP_LIMIT = Duration.ofSeconds(30);

  private StartupTraining() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", RocksCommand.LOG_CONFIG);
    }
    int exit = 1;
    try {
      train();
      exit = 0;
    } catch (Exception | AssertionError e) {
      System.err.println("rocks training: " + e);
    }
    // System.exit, not a return: the gateway and the tunnel never end by themselves, and the JVM
    // writes the cache as it exits.
    System.exit(exit);
  }

  private static void train() throws Exception {
    expectExit(0, run(new byte[0], "--help"));
    expectExit(0, run(new byte[0], "--version"));
    expectExit(0, run(new byte[0], "cat", "--help"));
    try (ServerSocket echo = echoServer()) {
      String target = "127.0.0.1:" + echo.getLocalPort();
      String gateway = "127.0.0.1:" + freePort();
      awaitAnnounced("gateway listening on",
          "rocks-training-serve", "serve", "--listen", gateway, "--allow", target, "--status-interval", "0");

      byte[] sent = "rocks start-up training\n".repeat(64).getBytes(StandardCharsets.US_ASCII);
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      int exit = RocksCommand.execute(io(new ByteArrayInputStream(sent), received), "cat", "--to", target, gateway);
      expectExit(0, exit);
      if (!Arrays.equals(sent, received.toByteArray())) {
        throw new AssertionError("rocks cat echoed " + received.size() + " bytes, not the " + sent.length + " sent");
      }

      String local = "127.0.0.1:" + freePort();
      awaitAnnounced("the gateway allows it",
          "rocks-training-tunnel", "tunnel", "--local", local, "--via", gateway, "--to", target, "--status-interval", "0");
      try (Socket client = connect(local)) {
        client.setSoTimeout((int) STEP_LIMIT.toMillis());
        client.getOutputStream().write(sent);
        client.shutdownOutput();
        byte[] back = client.getInputStream().readAllBytes();
        if (!Arrays.equals(sent, back)) {
          throw new AssertionError("the tunnel echoed " + back.length + " bytes, not the " + sent.length + " sent");
        }
      }
    }
  }

  private static int run(byte[] stdin, String... args) {
    return RocksCommand.execute(io(new ByteArrayInputStream(stdin), new ByteArrayOutputStream()), args);
  }

  private static RocksCommand.Io io(InputStream in, OutputStream out) {
    return new RocksCommand.Io(in, new PrintStream(out, true, StandardCharsets.UTF_8), System.err, false, false);
  }

  /**
   * Starts a command that runs until the JVM ends on a daemon thread, with a terminal display on
   * an output that watches for {@code announcement}, and returns once the command made it (it is
   * listening then): no port is polled.
   */
  private static void awaitAnnounced(String announcement, String name, String... args) throws Exception {
    CompletableFuture<Void> announced = new CompletableFuture<>();
    OutputStream watch = new OutputStream() {
      private final StringBuilder seen = new StringBuilder();

      @Override
      public synchronized void write(int b) {
        if (announced.isDone()) {
          return; // later status lines are not kept
        }
        seen.append((char) b);
        if (seen.indexOf(announcement) >= 0) {
          announced.complete(null);
        }
      }
    };
    RocksCommand.Io io = new RocksCommand.Io(new ByteArrayInputStream(new byte[0]),
        new PrintStream(watch, true, StandardCharsets.UTF_8), System.err, true, false);
    Thread thread = new Thread(() -> {
      int exit = RocksCommand.execute(io, args);
      announced.completeExceptionally(new AssertionError(name + " exited " + exit + " before it announced itself"));
    }, name);
    thread.setDaemon(true);
    thread.start();
    try {
      announced.get(STEP_LIMIT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IOException(name + " did not say \"" + announcement + "\" within " + STEP_LIMIT.toSeconds() + " s", e);
    }
  }

  private static void expectExit(int expected, int exit) {
    if (exit != expected) {
      throw new AssertionError("a training command exited " + exit + ", not " + expected);
    }
  }

  private static Socket connect(String address) throws IOException {
    Endpoint endpoint = Endpoint.parse(address);
    return new Socket(endpoint.host(), endpoint.port());
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
      return probe.getLocalPort();
    }
  }

  /** A plain TCP echo server: each connection is echoed until its input ends, then half-closed. */
  private static ServerSocket echoServer() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, LOOPBACK);
    Thread.ofVirtual().name("rocks-training-echo").start(() -> {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          Thread.ofVirtual().start(() -> {
            try (socket) {
              socket.getInputStream().transferTo(socket.getOutputStream());
              socket.shutdownOutput();
            } catch (IOException e) {
              // the other side went away; training notices by what came back
            }
          });
        } catch (IOException e) {
          return;
        }
      }
    });
    return server;
  }
}
