package io.rocks.chaos;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.RockStats;
import io.rocks.Rocks;
import io.rocks.testkit.Await;
import io.rocks.testkit.Transfer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One end of a rock, run in its own JVM inside a network namespace by {@link NetnsChaosTest}:
 *
 * <pre>
 *   NetnsPeer server BIND_ADDRESS 0    BYTES
 *   NetnsPeer client SERVER_ADDRESS PORT BYTES
 * </pre>
 *
 * It sends {@code BYTES} seeded bytes and receives the peer's at once, then ends in order. It
 * reports on stdout in lines starting with {@code @@}: {@code LISTENING port}, {@code STATUS
 * key=value...} every 50 ms, {@code EVENT kind nanoTime detail} for each rock event, and finally
 * {@code RESULT key=value...} or {@code ERROR description}. It reads commands on stdin: {@code ALLOW
 * n} lets the sender write up to n bytes; end of input (the test is gone) ends the process.
 */
public final class NetnsPeer {
  static final String PREFIX = "@@ ";

  private NetnsPeer() {}

  public static void main(String[] args) throws Exception {
    String role = args[0];
    InetAddress address = InetAddress.getByName(args[1]);
    int port = Integer.parseInt(args[2]);
    long bytes = Long.parseLong(args[3]);
    boolean server = role.equals("server");
    PrintStream out = System.out;
    Gate gate = new Gate(0);

    Thread.ofPlatform().daemon().name("commands").start(() -> readCommands(gate));
    RockOptions options =
        RockOptions.defaults().toBuilder().listeners(List.of(new Reporter(out))).build();
    ScheduledExecutorService status = Executors.newSingleThreadScheduledExecutor();
    try {
      RockSocket socket;
      if (server) {
        RockServerSocket listener = Rocks.rockServerSocket(port, address, options);
        report(out, "LISTENING " + listener.getLocalPort());
        listener.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
        socket = listener.accept();
      } else {
        socket = Rocks.connectRock(new InetSocketAddress(address, port), options);
      }
      AtomicLong sent = new AtomicLong();
      AtomicLong received = new AtomicLong();
      status.scheduleAtFixedRate(() -> report(out, "STATUS " + describe(socket, sent, received)), 0, 50, TimeUnit.MILLISECONDS);

      long seed = server ? ProxiedRocks.SERVER_SEED : ProxiedRocks.CLIENT_SEED;
      Future<Transfer.Digest> sending;
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        sending =
            pool.submit(
                () -> {
                  OutputStream gated = gate.wrap(socket.getOutputStream());
                  Transfer.Digest digest = Transfer.send(gated, bytes, seed, ProxiedRocks.CHUNK_BYTES, sent);
                  socket.shutdownOutput();
                  return digest;
                });
        Transfer.Digest got = Transfer.receive(socket.getInputStream(), received);
        Transfer.Digest put = sending.get(5, TimeUnit.MINUTES);
        Await.until(Duration.ofSeconds(30), "the rock closes in order", () -> socket.rock().state() == RockState.CLOSED);
        status.shutdownNow();
        report(
            out,
            "RESULT sent=" + put.bytes() + ":" + put.sha256() + " received=" + got.bytes() + ":" + got.sha256()
                + " " + describe(socket, sent, received));
      }
      socket.close();
      out.flush();
      System.exit(0);
    } catch (Throwable t) {
      status.shutdownNow();
      report(out, "ERROR " + t.toString().replace('\n', ' '));
      t.printStackTrace(out);
      out.flush();
      System.exit(1);
    }
  }

  private static String describe(RockSocket socket, AtomicLong sent, AtomicLong received) {
    Rock rock = socket.rock();
    RockStats stats = rock.stats();
    return "state=" + rock.state()
        + " id=" + rock.id()
        + " written=" + sent.get()
        + " read=" + received.get()
        + " acked=" + stats.bytesAcknowledged()
        + " retransmitted=" + stats.bytesRetransmitted()
        + " suspensions=" + stats.suspensions()
        + " local=" + address(socket.getLocalSocketAddress())
        + " peer=" + address(rock.peer());
  }

  private static String address(Object socketAddress) {
    if (socketAddress instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return inet.getAddress().getHostAddress() + ":" + inet.getPort();
    }
    return String.valueOf(socketAddress).replace(' ', '_');
  }

  private static void readCommands(Gate gate) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] words = line.trim().split("\\s+");
        if (words[0].equals("ALLOW")) {
          gate.allow(Long.parseLong(words[1]));
        }
      }
    } catch (Exception e) {
      System.out.println(PREFIX + "ERROR reading commands: " + e);
    }
    // The test that started this process is gone: do not outlive it.
    Runtime.getRuntime().halt(2);
  }

  static void report(PrintStream out, String line) {
    synchronized (out) {
      out.println(PREFIX + line);
      out.flush();
    }
  }

  /** Reports each rock event with the {@link System#nanoTime} it ran at. */
  private record Reporter(PrintStream out) implements RockListener {
    @Override
    public void suspended(Rock rock, Throwable cause) {
      report(out, "EVENT suspended " + System.nanoTime() + " " + String.valueOf(cause).replace('\n', ' '));
    }

    @Override
    public void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {
      report(out, "EVENT resumed " + System.nanoTime() + " " + suspendedFor.toMillis() + " " + bytesRetransmitted);
    }

    @Override
    public void reconnectAttemptFailed(Rock rock, int attempt, InetSocketAddress address, Throwable error) {
      report(out, "EVENT attempt-failed " + System.nanoTime() + " " + attempt + " " + String.valueOf(error).replace('\n', ' '));
    }

    @Override
    public void failed(Rock rock, Throwable cause) {
      report(out, "EVENT failed " + System.nanoTime() + " " + String.valueOf(cause).replace('\n', ' '));
    }

    @Override
    public void closed(Rock rock) {
      report(out, "EVENT closed " + System.nanoTime());
    }
  }
}
