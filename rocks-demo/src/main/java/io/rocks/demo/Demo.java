package io.rocks.demo;

import io.rocks.Rock;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.testkit.FaultRelay;
import io.rocks.testkit.Transfer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An echo server and a client on loopback, talking over a rock through a relay that the demo cuts
 * (silently, and by reset) and restores while 64 MiB flows each way. Prints progress, then the
 * SHA-256 of what was sent and of what came back; exits 0 only if they match.
 *
 * <p>Runs on the main thread (progress and faults) and virtual threads (echo, send, receive).
 */
public final class Demo {
  private static final long MIB = 1024 * 1024;

  private Demo() {}

  public static void main(String[] args) throws Exception {
    long totalBytes = (args.length > 0 ? Long.parseLong(args[0]) : 64) * MIB;
    int faults = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    RockOptions options = Rocks.defaultOptions();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (RockServerSocket server = Rocks.rockServerSocket(0, loopback, options);
        FaultRelay relay = new FaultRelay(new InetSocketAddress(loopback, server.getLocalPort()));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      threads.submit(() -> echo(server));
      System.out.printf(
          "echo server on %s; client connects through a faulty relay on %s%n",
          server.getLocalSocketAddress(), relay.address());
      System.out.printf(
          "moving %d MiB each way; silent cuts are detected within %d ms%n",
          totalBytes / MIB, options.failureDetectionTime().toMillis());

      RockSocket client = Rocks.connectRock(relay.address(), options);
      AtomicLong sent = new AtomicLong();
      AtomicLong echoed = new AtomicLong();
      Future<Transfer.Digest> sending =
          threads.submit(
              () -> {
                Transfer.Digest digest =
                    Transfer.send(client.getOutputStream(), totalBytes, 2026, 64 * 1024, sent);
                client.shutdownOutput();
                return digest;
              });
      Future<Transfer.Digest> receiving =
          threads.submit(() -> Transfer.receive(client.getInputStream(), echoed));

      Rock rock = client.rock();
      long step = totalBytes / (faults + 1);
      int injected = 0;
      long lastReport = 0;
      while (!receiving.isDone()) {
        if (injected < faults
            && echoed.get() >= (injected + 1) * step
            && rock.state() == RockState.CONNECTED) {
          if (injected % 2 == 0) {
            System.out.println(">>> cutting the link silently (packets vanish, no FIN, no RST)");
            relay.cutSilently();
            long cutAt = System.nanoTime();
            while (rock.state() == RockState.CONNECTED
                && System.nanoTime() - cutAt < TimeUnit.SECONDS.toNanos(30)) {
              Thread.sleep(20); // demo pacing: wait for the rock to notice, then heal the link
            }
            System.out.printf(
                ">>> rock noticed after %d ms; restoring the link%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt));
            relay.restore();
          } else {
            System.out.println(">>> resetting the link (TCP RST on both ends)");
            relay.reset();
          }
          injected++;
        }
        if (System.nanoTime() - lastReport > TimeUnit.MILLISECONDS.toNanos(500)) {
          lastReport = System.nanoTime();
          System.out.printf(
              "sent %5.1f MiB  echoed %5.1f MiB  state %-9s  suspensions %d%n",
              sent.get() / (double) MIB,
              echoed.get() / (double) MIB,
              rock.state(),
              rock.stats().suspensions());
        }
        Thread.sleep(20); // progress display pacing
      }
      Transfer.Digest out = sending.get();
      Transfer.Digest back = receiving.get();
      client.close();
      System.out.printf(
          "done: %d faults injected, %d suspensions, %d ms suspended in all, %d bytes retransmitted%n",
          relay.faultsInjected(),
          rock.stats().suspensions(),
          rock.stats().timeSuspended().toMillis(),
          rock.stats().bytesRetransmitted());
      System.out.printf("sent     %d bytes  SHA-256 %s%n", out.bytes(), out.sha256());
      System.out.printf("received %d bytes  SHA-256 %s%n", back.bytes(), back.sha256());
      boolean match = out.equals(back);
      System.out.println(match ? "MATCH: every byte came back exactly once, in order" : "MISMATCH");
      threads.shutdownNow();
      System.exit(match ? 0 : 1);
    }
  }

  /** Echoes every accepted rock until its peer shuts down output. */
  private static Void echo(RockServerSocket server) {
    try {
      while (true) {
        Socket socket = server.accept();
        Thread.ofVirtual()
            .start(
                () -> {
                  try (socket) {
                    InputStream in = socket.getInputStream();
                    OutputStream out = socket.getOutputStream();
                    in.transferTo(out);
                    socket.shutdownOutput();
                  } catch (IOException e) {
                    System.out.println("echo ended: " + e);
                  }
                });
      }
    } catch (IOException closed) {
      return null;
    }
  }
}
