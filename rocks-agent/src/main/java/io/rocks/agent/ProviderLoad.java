package io.rocks.agent;

import io.rocks.impl.RealRocksProvider;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The library's provider with the agent's policy, made by {@link RocksAgent}'s start-up thread so
 * that the program's {@code main} does not wait for it: reading the policy and starting the logging
 * and key agreement take a few hundred milliseconds, and most programs open their first socket
 * later than that. The first socket made before it is ready waits for it.
 *
 * <p>A policy that cannot be read is reported at once on stderr, naming the key and file:line, and
 * then by every socket the program makes: each fails with a {@link SocketException} carrying the
 * same message, so no connection is made with settings other than the ones asked for. Thread-safe.
 */
final class ProviderLoad {
  private final CompletableFuture<RealRocksProvider> ready = new CompletableFuture<>();

  void loaded(RealRocksProvider provider) {
    ready.complete(provider);
  }

  void failed(RuntimeException e) {
    ready.completeExceptionally(e);
  }

  /** Returns the provider, waiting for it if it is not ready yet. */
  RealRocksProvider get() throws SocketException {
    try {
      return ready.get();
    } catch (ExecutionException e) {
      throw new SocketException("rocks-agent: the rocks policy could not be read: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SocketException("rocks-agent: interrupted while waiting for the rocks policy");
    }
  }
}
