package io.rocks.agent;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.rocks.impl.RealRocksProvider;
import io.rocks.impl.io.Channels;
import io.rocks.policy.RocksPolicy;
import java.io.File;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketImpl;
import java.net.SocketImplFactory;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code java -javaagent:rocks-agent.jar[=policy.conf] ...}: makes the program's {@link Socket} and
 * {@link ServerSocket} connections rocks where the rocks policy says so, and plain sockets
 * everywhere else, without changing the program or its bytecode.
 *
 * <p>{@link #premain} installs socket implementation factories ({@link
 * Socket#setSocketImplFactory}, {@link ServerSocket#setSocketFactory}): every {@code Socket}
 * (including those under {@code HttpURLConnection}, JDBC drivers and {@code SSLSocket}s) then
 * forwards to {@link RockSocketImpl}, which connects through the library's provider with the
 * policy of the given file (or {@code application.conf}, as the library reads it). The library's
 * own connections are channels' sockets, which no factory makes, so nothing recurses.
 *
 * <p>NIO channels are out of reach of those factories. The agent names {@link
 * NoticingSelectorProvider} as the process's selector provider, so the first channel the program
 * opens is logged once. Runs once, on the main thread, before the program's {@code main}.
 */
public final class RocksAgent {
  /** The logger of the agent's own lines. */
  static final String LOGGER = "io.rocks.agent";

  private RocksAgent() {}

  /**
   * Installs the agent.
   *
   * @param args the path of a HOCON policy file, or null or empty for {@code application.conf}
   * @param instrumentation used only to let this agent reach the platform's selector provider
   */
  // The two factory setters are deprecated (since 17), not for removal: they are the hook the JDK
  // still gives for every java.net socket.
  @SuppressWarnings("deprecation")
  public static void premain(String args, Instrumentation instrumentation) {
    long start = System.nanoTime();
    AgentLogging.configure();
    ProviderLoad provider = new ProviderLoad();
    List<String> notes = new ArrayList<>();
    boolean clients = true;
    try {
      Socket.setSocketImplFactory(new ClientFactory(provider));
    } catch (IOException | RuntimeException e) {
      notes.add("WARN rocks-agent: cannot install the Socket implementation factory (" + e.getMessage()
          + "; another agent's?): Sockets stay plain");
      clients = false;
    }
    boolean servers = true;
    try {
      ServerSocket.setSocketFactory(new ServerFactory(provider));
    } catch (IOException | RuntimeException e) {
      notes.add("WARN rocks-agent: cannot install the ServerSocket implementation factory (" + e.getMessage()
          + "; another agent's?): ServerSockets stay plain");
      servers = false;
    }
    String installed = "sockets " + (clients ? "follow the policy" : "plain") + ", server sockets "
        + (servers ? "follow the policy" : "plain");
    Startup startup = new Startup(args, instrumentation, provider, notes, installed, start);
    startup.premainMicros = (System.nanoTime() - start) / 1000;
    Thread.ofPlatform().daemon().name("rocks-agent-start").start(startup);
  }

  /** Makes a {@link RockSocketImpl} for every {@code Socket}. */
  private static final class ClientFactory implements SocketImplFactory {
    private final ProviderLoad provider;

    ClientFactory(ProviderLoad provider) {
      this.provider = provider;
    }

    @Override
    public SocketImpl createSocketImpl() {
      return new RockSocketImpl(provider);
    }
  }

  /** Makes a {@link RockServerSocketImpl} for every {@code ServerSocket}. */
  private static final class ServerFactory implements SocketImplFactory {
    private final ProviderLoad provider;

    ServerFactory(ProviderLoad provider) {
      this.provider = provider;
    }

    @Override
    public SocketImpl createSocketImpl() {
      return new RockServerSocketImpl(provider);
    }
  }

  /**
   * The agent's start-up off the main thread (premain returns in a few milliseconds; most of
   * what it would otherwise wait for is class loading): notices channels, reads the policy and
   * makes the provider, then logs what it did. Logging comes last because making the first logger
   * is the slowest step of all.
   */
  private static final class Startup implements Runnable {
    private final String args;
    private final Instrumentation instrumentation;
    private final ProviderLoad provider;
    private final List<String> notes;
    private final String installed;
    private final long start;
    /** How long premain took on the main thread; set before this thread starts. */
    long premainMicros;

    Startup(String args, Instrumentation instrumentation, ProviderLoad provider, List<String> notes, String installed,
        long start) {
      this.args = args;
      this.instrumentation = instrumentation;
      this.provider = provider;
      this.notes = notes;
      this.installed = installed;
      this.start = start;
    }

    @Override
    public void run() {
      boolean noticing = noticeChannels(instrumentation, notes);
      PlatformSockets platform = PlatformSockets.open(instrumentation, notes);
      // new Socket() would reach this agent's own factory: without the JDK's implementation, plain
      // connections are channels' sockets.
      Channels.plainSocketsFrom(platform != null ? platform : Channels.CHANNEL_SOCKETS);
      String describedAs = args == null || args.isBlank() ? "application.conf" : args.strip();
      try {
        provider.loaded(RealRocksProvider.withPolicy(loadPolicy(args)));
      } catch (RuntimeException e) {
        System.err.println("rocks-agent: cannot read the rocks policy (" + describedAs + "): " + e.getMessage()
            + "; every socket the program makes will fail with this message");
        provider.failed(e);
        return;
      }
      long readyMillis = (System.nanoTime() - start) / 1_000_000;
      Logger log = LogManager.getLogger(LOGGER);
      for (String note : notes) {
        if (note.startsWith("WARN ")) {
          log.warn(note.substring(5));
        } else {
          log.debug(note);
        }
      }
      log.debug("rocks-agent: premain took {} us ({}); channels noticed: {}; policy {} ready {} ms after start",
          premainMicros, installed, noticing, describedAs, readyMillis);
    }
  }

  /** Reads the policy file named by {@code args}, or the application's policy. */
  static RocksPolicy loadPolicy(String args) {
    if (args == null || args.isBlank()) {
      return RocksPolicy.load();
    }
    ClassLoader loader = RocksAgent.class.getClassLoader();
    File file = new File(args.strip());
    Config config = ConfigFactory.defaultOverrides(loader)
        .withFallback(ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false)))
        .withFallback(ConfigFactory.defaultReference(loader))
        .resolve();
    return RocksPolicy.load(config, loader);
  }

  /**
   * Names {@link NoticingSelectorProvider} as the process's selector provider, delegating to the
   * platform's, unless the program names its own. The platform's provider is internal to {@code
   * java.base}; the agent has its package exported to itself through {@code instrumentation}.
   * Returns false, having changed nothing, where that is not possible.
   */
  static boolean noticeChannels(Instrumentation instrumentation, List<String> notes) {
    String property = "java.nio.channels.spi.SelectorProvider";
    if (System.getProperty(property) != null) {
      notes.add("rocks-agent: the program names its own selector provider; channels are not noticed");
      return false;
    }
    SelectorProvider platform;
    try {
      Module base = SelectorProvider.class.getModule();
      instrumentation.redefineModule(base, Set.of(), Map.of("sun.nio.ch", Set.of(RocksAgent.class.getModule())),
          Map.of(), Set.of(), Map.of());
      platform = (SelectorProvider) Class.forName("sun.nio.ch.DefaultSelectorProvider").getMethod("get").invoke(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      notes.add("rocks-agent: the platform's selector provider is out of reach (" + e + "); channels are not noticed");
      return false;
    }
    Channels.openWith(platform);
    NoticingSelectorProvider.delegateTo(platform);
    System.setProperty(property, NoticingSelectorProvider.class.getName());
    if (!(SelectorProvider.provider() instanceof NoticingSelectorProvider)) {
      notes.add("rocks-agent: the selector provider was chosen before the agent started; channels are not noticed");
      return false;
    }
    return true;
  }
}
