package io.rocks.agent;

import io.rocks.impl.RealRocksProvider;
import io.rocks.policy.RocksPolicy;
import java.net.SocketException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;

/**
 * The library's provider with the agent's policy, made on a thread of its own so that the
 * program's {@code main} does not wait for it: reading the policy and starting the logging and key
 * agreement take a few hundred milliseconds, and most programs open their first socket later than
 * that. The first socket made before it is ready waits for it.
 *
 * <p>A policy that cannot be read is reported at once on stderr, naming the key and file:line, and
 * then by every socket the program makes: each fails with a {@link SocketException} carrying the
 * same message, so no connection is made with settings other than the ones asked for.
 */
final class ProviderLoad {
  private final FutureTask<RealRocksProvider> task;

  private ProviderLoad(FutureTask<RealRocksProvider> task) {
    this.task = task;
  }

  /** Starts loading on a daemon thread named {@code rocks-agent-start}. */
  static ProviderLoad start(Supplier<RocksPolicy> policy, String describedAs, long premainStart) {
    FutureTask<RealRocksProvider> task = new FutureTask<>(() -> {
      RocksPolicy loaded;
      try {
        loaded = policy.get();
      } catch (RuntimeException e) {
        System.err.println("rocks-agent: cannot read the rocks policy (" + describedAs + "): " + e.getMessage()
            + "; every socket the program makes will fail with this message");
        throw e;
      }
      RealRocksProvider provider = RealRocksProvider.withPolicy(loaded);
      LogManager.getLogger(RocksAgent.LOGGER).debug("rocks-agent: policy {} ready {} ms after start",
          describedAs, (System.nanoTime() - premainStart) / 1_000_000);
      return provider;
    });
    Thread.ofPlatform().daemon().name("rocks-agent-start").start(task);
    return new ProviderLoad(task);
  }

  /** Returns the provider, waiting for it if it is not ready yet. */
  RealRocksProvider get() throws SocketException {
    try {
      return task.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new SocketException("rocks-agent: the rocks policy could not be read: " + cause.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SocketException("rocks-agent: interrupted while waiting for the rocks policy");
    }
  }
}
