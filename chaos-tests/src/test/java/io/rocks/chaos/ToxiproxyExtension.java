package io.rocks.chaos;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs one real Toxiproxy server for the whole test run and hands tests a {@link Toxi} for it.
 *
 * <p>The server starts on a free loopback port before the first test class that uses this
 * extension, and stops when the test run ends, also when tests fail (it lives in the root context's
 * store, which JUnit closes at the end). A shutdown hook stops it too if the JVM is ended early.
 * Before each test every proxy is deleted, so each test starts from a clean proxy set.
 */
final class ToxiproxyExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ToxiproxyExtension.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  @Override
  public void beforeAll(ExtensionContext context) {
    running(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    Running running = running(context);
    if (!running.server.isAlive()) {
      throw new IllegalStateException(running.server + " is no longer running; see " + running.server.log());
    }
    running.toxi.deleteAllProxies();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Toxi.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return running(context).toxi;
  }

  private static Running running(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent("server", key -> Running.start(), Running.class);
  }

  /** The server for this run; JUnit closes it when the run ends. */
  private static final class Running implements ExtensionContext.Store.CloseableResource {
    final ToxiproxyServer server;
    final Toxi toxi;
    final Thread shutdownHook;

    private Running(ToxiproxyServer server) {
      this.server = server;
      this.toxi = new Toxi(server);
      this.shutdownHook = new Thread(server::close, "toxiproxy-server-stop");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static Running start() {
      Path workingDir = Path.of(System.getProperty("user.dir"));
      try {
        Path binary = ToxiproxyServer.locateBinary(workingDir);
        Path log = workingDir.resolve("target").resolve("toxiproxy-server.log");
        ToxiproxyServer server = ToxiproxyServer.start(binary, log, START_TIMEOUT);
        return new Running(server);
      } catch (Exception e) {
        throw new IllegalStateException("could not start the Toxiproxy server: " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      server.close();
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is already exiting; the hook stops nothing that is not stopped.
      }
    }
  }
}
