package io.rocks.agent;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.rocks.impl.io.Channels;
import io.rocks.policy.RocksPolicy;
import java.io.File;
import java.lang.instrument.Instrumentation;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
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
  public static void premain(String args, Instrumentation instrumentation) {
    long start = System.nanoTime();
    AgentLogging.configure();
    String describedAs = args == null || args.isBlank() ? "application.conf" : args.strip();
    ProviderLoad provider = ProviderLoad.start(() -> loadPolicy(args), describedAs, start);
    List<String> notes = new ArrayList<>();
    boolean noticing = noticeChannels(instrumentation, notes);
    boolean clients = install("Socket", () -> Socket.setSocketImplFactory(() -> new RockSocketImpl(provider)), notes);
    boolean servers =
        install("ServerSocket", () -> ServerSocket.setSocketFactory(() -> new RockServerSocketImpl(provider)), notes);
    long tookMicros = (System.nanoTime() - start) / 1000;
    // Logged from the loading thread: making the first logger takes longer than all of the above.
    Thread.ofPlatform().daemon().name("rocks-agent-notes").start(() -> {
      Logger log = LogManager.getLogger(LOGGER);
      for (String note : notes) {
        if (note.startsWith("WARN ")) {
          log.warn(note.substring(5));
        } else {
          log.debug(note);
        }
      }
      log.debug("rocks-agent: premain took {} us (sockets {}, server sockets {}, channels noticed: {})",
          tookMicros, clients ? "follow the policy" : "plain", servers ? "follow the policy" : "plain", noticing);
    });
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

  private interface Installation {
    void run() throws Exception;
  }

  private static boolean install(String kind, Installation installation, List<String> notes) {
    try {
      installation.run();
      return true;
    } catch (SocketException alreadySet) {
      notes.add("WARN rocks-agent: the " + kind + " implementation factory was already set (by another agent?); "
          + kind + "s stay plain");
      return false;
    } catch (Exception e) {
      notes.add("WARN rocks-agent: cannot install the " + kind + " implementation factory (" + e + "); " + kind
          + "s stay plain");
      return false;
    }
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
