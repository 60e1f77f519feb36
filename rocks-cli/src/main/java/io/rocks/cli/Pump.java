package io.rocks.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Carries bytes between two connected sockets, both ways at once, the way a plain TCP connection
 * would: an end of stream read on one side becomes a half-close ({@code shutdownOutput}) on the
 * other, and an error on either side ends both abortively (SO_LINGER 0: a reset on a plain socket,
 * an abort on a rock), so neither program mistakes a broken connection for a complete one.
 */
final class Pump {
  private static final int BUFFER_BYTES = 64 * 1024;

  private Pump() {}

  /** How a splice ended: {@code failure} is null if both directions ended in order. */
  record Outcome(long aToB, long bToA, IOException failure, String failedSide) {
    boolean ok() {
      return failure == null;
    }
  }

  private record Failure(IOException error, String side) {}

  /**
   * Carries bytes between {@code a} and {@code b} until both directions have ended, then closes
   * both. Blocks the calling thread, which carries b to a; a virtual thread carries a to b.
   */
  static Outcome splice(Socket a, String aName, Socket b, String bName, String threadName)
      throws InterruptedException {
    AtomicReference<Failure> failure = new AtomicReference<>();
    long[] aToB = new long[1];
    Thread forward =
        Thread.ofVirtual()
            .name(threadName + " " + aName + "->" + bName)
            .start(() -> aToB[0] = copy(a, aName, b, bName, failure));
    long bToA = copy(b, bName, a, aName, failure);
    try {
      forward.join();
    } catch (InterruptedException e) {
      abort(a);
      abort(b);
      forward.join();
      throw e;
    }
    Failure failed = failure.get();
    if (failed == null) {
      closeQuietly(a);
      closeQuietly(b);
      return new Outcome(aToB[0], bToA, null, null);
    }
    return new Outcome(aToB[0], bToA, failed.error(), failed.side());
  }

  private static long copy(
      Socket from, String fromName, Socket to, String toName, AtomicReference<Failure> failure) {
    byte[] buffer = new byte[BUFFER_BYTES];
    long total = 0;
    boolean reading = true;
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      while (true) {
        reading = true;
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        reading = false;
        out.write(buffer, 0, n);
        total += n;
      }
      reading = false;
      to.shutdownOutput();
    } catch (IOException e) {
      if (failure.compareAndSet(null, new Failure(e, reading ? fromName : toName))) {
        abort(from);
        abort(to);
      }
    }
    return total;
  }

  /** Closes {@code socket} abortively: a TCP reset for a plain socket, an abort for a rock. */
  static void abort(Socket socket) {
    if (socket == null) {
      return;
    }
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException | RuntimeException ignored) {
      // closing below still ends it
    }
    closeQuietly(socket);
  }

  static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception ignored) {
      // nothing more can be done about a failed close
    }
  }
}
