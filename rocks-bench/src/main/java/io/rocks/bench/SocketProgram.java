package io.rocks.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The program {@link AgentFigure} measures, as a program that knows nothing of rocks would be
 * written: {@code new Socket}, {@code new ServerSocket}, a pool of platform threads. In mode {@code
 * library} it makes its sockets with {@code Rocks.connect} and {@code RocksServerSocketFactory} instead,
 * through reflection, so that in the other modes it runs on a class path of its own class alone.
 *
 * <pre>
 *   SocketProgram server MODE                       prints "listening PORT", serves until killed
 *   SocketProgram connects MODE HOST PORT N WARMUP  prints "p50 US p99 US"
 *   SocketProgram bulk MODE HOST PORT BYTES         sends BYTES to warm up, then again: prints "mibps X"
 *   SocketProgram hello                             prints "hello" (for start-up time)
 *   SocketProgram linger                            prints "hello", then waits for the end of stdin
 * </pre>
 *
 * A connection's first byte says what it wants: {@code E} an echo, {@code S} a sink that answers
 * with the count of bytes it read once the client has shut its output down.
 */
public final class SocketProgram {
  private SocketProgram() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "hello" -> System.out.println("hello");
      case "linger" -> {
        // Lives until the caller, having read the agent's start-up line (logged by a thread of
        // the agent's own after main began), closes stdin.
        System.out.println("hello");
        System.out.flush();
        System.in.transferTo(OutputStream.nullOutputStream());
      }
      case "server" -> serve(args[1].equals("library"));
      case "connects" -> connects(args[1].equals("library"), args[2], Integer.parseInt(args[3]),
          Integer.parseInt(args[4]), Integer.parseInt(args[5]));
      case "bulk" -> bulk(args[1].equals("library"), args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static Socket connect(boolean library, String host, int port) throws Exception {
    if (!library) {
      return new Socket(host, port);
    }
    try {
      return (Socket) Class.forName("io.rocks.Rocks").getMethod("connect", String.class, int.class).invoke(null, host, port);
    } catch (InvocationTargetException e) {
      throw (Exception) e.getCause();
    }
  }

  private static void serve(boolean library) throws Exception {
    ServerSocket server;
    if (library) {
      javax.net.ServerSocketFactory factory = (javax.net.ServerSocketFactory)
          Class.forName("io.rocks.RocksServerSocketFactory").getMethod("getDefault").invoke(null);
      server = factory.createServerSocket(0, 200, InetAddress.getLoopbackAddress());
    } else {
      server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    }
    System.out.println("listening " + server.getLocalPort());
    System.out.flush();
    ExecutorService handlers = Executors.newFixedThreadPool(16);
    while (true) {
      Socket socket = server.accept();
      handlers.execute(() -> handle(socket));
    }
  }

  private static void handle(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      int kind = in.read();
      byte[] buffer = new byte[65536];
      if (kind == 'E') {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } else if (kind == 'S') {
        long count = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
          count += n;
        }
        new DataOutputStream(out).writeLong(count);
        out.flush();
      }
    } catch (IOException ignored) {
      // the client went away
    }
  }

  private static void connects(boolean library, String host, int port, int n, int warmup) throws Exception {
    long[] micros = new long[n];
    for (int i = -warmup; i < n; i++) {
      long start = System.nanoTime();
      try (Socket socket = connect(library, host, port)) {
        socket.setTcpNoDelay(true);
        OutputStream out = socket.getOutputStream();
        out.write(new byte[] {'E', 42});
        out.flush();
        if (socket.getInputStream().read() != 42) {
          throw new IOException("no echo");
        }
        if (i >= 0) {
          micros[i] = (System.nanoTime() - start) / 1000;
        }
      }
    }
    Arrays.sort(micros);
    System.out.println("p50 " + micros[n / 2] + " p99 " + micros[(int) (n * 0.99)]);
  }

  /** Sends {@code bytes} twice, on a connection each: the first warms the JIT up, the second is timed. */
  private static void bulk(boolean library, String host, int port, long bytes) throws Exception {
    send(library, host, port, bytes);
    long start = System.nanoTime();
    send(library, host, port, bytes);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(java.util.Locale.ROOT, "mibps %.1f%n", bytes / 1048576.0 / seconds);
  }

  private static void send(boolean library, String host, int port, long bytes) throws Exception {
    byte[] block = new byte[65536];
    Arrays.fill(block, (byte) 7);
    try (Socket socket = connect(library, host, port)) {
      OutputStream out = socket.getOutputStream();
      out.write('S');
      for (long sent = 0; sent < bytes; sent += block.length) {
        out.write(block);
      }
      out.flush();
      socket.shutdownOutput();
      long counted = new DataInputStream(socket.getInputStream()).readLong();
      if (counted != bytes) {
        throw new IOException("the server counted " + counted + " bytes of " + bytes);
      }
    }
  }
}
