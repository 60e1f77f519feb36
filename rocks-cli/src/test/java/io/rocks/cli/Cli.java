package io.rocks.cli;

import io.rocks.RockOptions;
import io.rocks.Rocks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test helpers: runs the command line in-process, and small loopback servers. */
final class Cli {
  private Cli() {}

  /** What one run printed and returned. */
  record Result(int exit, byte[] outBytes, String err) {
    String out() {
      return new String(outBytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "exit " + exit + ", stdout " + outBytes.length + " bytes, stderr: " + err;
    }
  }

  static Result run(String... args) {
    return run(new ByteArrayInputStream(new byte[0]), args);
  }

  static Result run(InputStream stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    int exit = RocksCommand.execute(new RocksCommand.Io(stdin, outStream, errStream, false, false), args);
    return new Result(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  /** Options for tests: quick failure detection and reconnects, the defaults otherwise. */
  static RockOptions quickOptions() {
    return Rocks.defaultOptions().toBuilder()
        .heartbeatInterval(Duration.ofMillis(200))
        .failureSensitivity(3)
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
        .build();
  }

  /** A port that nothing listens on now (bound and released). */
  static int closedPort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
      return probe.getLocalPort();
    }
  }

  static String loopback(int port) {
    return "127.0.0.1:" + port;
  }

  /** A display that keeps its announcements ("INFO ..." and "WARN ..."), for a test to wait on. */
  static final class RecordingDisplay extends Display {
    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    void info(String message) {
      lines.add("INFO " + message);
    }

    @Override
    void warn(String message) {
      lines.add("WARN " + message);
    }

    @Override
    void detail(String message) {
      lines.add("DETAIL " + message);
    }

    @Override
    Duration refreshInterval(Duration logInterval) {
      return null;
    }

    @Override
    void status(String line) {}

    /** The announcements that match {@code regex} whole. */
    List<String> matching(String regex) {
      return lines.stream().filter(line -> line.matches(regex)).toList();
    }
  }

  /** A plain TCP echo server on loopback: echoes each connection, half-closing after the input ends. */
  static final class EchoServer implements AutoCloseable {
    final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    EchoServer() throws IOException {
      server = new ServerSocket(0, 50, LOOPBACK);
      Thread.ofVirtual().name("echo-accept").start(this::acceptLoop);
    }

    int port() {
      return server.getLocalPort();
    }

    InetSocketAddress address() {
      return new InetSocketAddress(LOOPBACK, port());
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          open.add(socket);
          Thread.ofVirtual().name("echo").start(() -> {
            try (socket) {
              InputStream in = socket.getInputStream();
              OutputStream out = socket.getOutputStream();
              in.transferTo(out);
              socket.shutdownOutput();
            } catch (IOException e) {
              // the test decides whether an ended echo matters
            } finally {
              open.remove(socket);
            }
          });
        } catch (IOException e) {
          return;
        }
      }
    }

    int openConnections() {
      return open.size();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket socket : List.copyOf(open)) {
        socket.close();
      }
    }
  }
}
