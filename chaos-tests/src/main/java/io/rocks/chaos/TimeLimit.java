package io.rocks.chaos;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a call that has no time limit of its own (the Toxiproxy Java client sets no HTTP timeouts)
 * on a virtual thread, and gives up on it after a deadline.
 *
 * <p>On timeout the thread is interrupted, which closes a socket it is blocked in, and the caller
 * gets a {@link TimeoutException} naming the call. An exception thrown by the call reaches the
 * caller unchanged when it is an {@link IOException} or unchecked, else wrapped.
 */
public final class TimeLimit {
  private TimeLimit() {}

  /** A call that may throw anything; the lambda form of {@link Callable} without a result. */
  @FunctionalInterface
  public interface Action {
    void run() throws Exception;
  }

  /** Returns what {@code call} returns, if it finishes within {@code limit}. */
  public static <T> T call(Duration limit, String what, Callable<T> call)
      throws IOException, TimeoutException, InterruptedException {
    FutureTask<T> task = new FutureTask<>(call);
    Thread thread = Thread.ofVirtual().name("time-limited: " + what).start(task);
    try {
      return task.get(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      thread.interrupt();
      TimeoutException timeout =
          new TimeoutException(what + ": no answer within " + limit.toMillis() + " ms");
      StackTraceElement[] where = thread.getStackTrace();
      if (where.length > 0) {
        Throwable stuck = new Throwable("where the call was stuck");
        stuck.setStackTrace(where);
        timeout.initCause(stuck);
      }
      throw timeout;
    } catch (InterruptedException e) {
      thread.interrupt();
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw new IOException(what + ": " + io.getMessage(), io);
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IOException(what + ": " + cause, cause);
    }
  }

  /** Runs {@code action}, if it finishes within {@code limit}. */
  public static void run(Duration limit, String what, Action action)
      throws IOException, TimeoutException, InterruptedException {
    call(
        limit,
        what,
        () -> {
          action.run();
          return null;
        });
  }
}
