package io.rocks.agent;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;

/**
 * The process's {@link SelectorProvider} under the agent (named by the system property {@code
 * java.nio.channels.spi.SelectorProvider}): the platform's provider, which opens every channel and
 * selector, and a log line the first time the program opens a TCP channel. Channels are not made
 * rocks: a program that uses them (the JDK's {@code HttpClient}, Netty) keeps plain connections,
 * and the line says so. The library opens its own channels with the platform's provider
 * ({@link io.rocks.impl.io.Channels}), so they are never noticed.
 *
 * <p>The JDK makes one instance, on the first use of NIO; it is thread-safe.
 */
public final class NoticingSelectorProvider extends SelectorProvider {
  /** Set by the agent before it names this class; the JDK's own provider. */
  private static volatile SelectorProvider platform;
  private static final AtomicBoolean noticed = new AtomicBoolean();

  private final SelectorProvider delegate;

  /** Made by {@link SelectorProvider#provider()}; the agent has named the platform's provider. */
  public NoticingSelectorProvider() {
    this.delegate = Objects.requireNonNull(platform, "rocks-agent: the platform's selector provider");
  }

  static void delegateTo(SelectorProvider platformProvider) {
    platform = platformProvider;
  }

  /** Returns true once the program has opened a TCP channel. */
  static boolean noticed() {
    return noticed.get();
  }

  private static void notice(String kind) {
    if (noticed.compareAndSet(false, true)) {
      LogManager.getLogger(RocksAgent.LOGGER).info("rocks-agent: {} opened a {}; connections made with NIO channels (the JDK's HttpClient,"
          + " Netty, ...) are not made rocks and stay plain. Only java.net.Socket and ServerSocket follow"
          + " the rocks policy.", opener(), kind);
    }
  }

  /** Notices a channel of {@code family}: TCP ones only, not Unix-domain ones. */
  private static void noticeUnlessUnix(ProtocolFamily family, String kind) {
    if (family != java.net.StandardProtocolFamily.UNIX) {
      notice(kind);
    }
  }

  /** The first frame outside the JDK and this agent, or the JDK class that opened the channel. */
  private static String opener() {
    StackWalker walker = StackWalker.getInstance();
    Optional<String> outside = walker.walk(frames -> frames
        .map(StackWalker.StackFrame::getClassName)
        .filter(name -> !name.startsWith("io.rocks.agent.") && !name.startsWith("java.")
            && !name.startsWith("sun.") && !name.startsWith("jdk."))
        .findFirst());
    if (outside.isPresent()) {
      return outside.get();
    }
    return walker.walk(frames -> frames
        .map(StackWalker.StackFrame::getClassName)
        .filter(name -> !name.startsWith("io.rocks.agent.") && !name.startsWith("java.nio."))
        .findFirst()).orElse("the program");
  }

  @Override
  public DatagramChannel openDatagramChannel() throws IOException {
    return delegate.openDatagramChannel();
  }

  @Override
  public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
    return delegate.openDatagramChannel(family);
  }

  @Override
  public Pipe openPipe() throws IOException {
    return delegate.openPipe();
  }

  @Override
  public AbstractSelector openSelector() throws IOException {
    return delegate.openSelector();
  }

  @Override
  public ServerSocketChannel openServerSocketChannel() throws IOException {
    notice("ServerSocketChannel");
    return delegate.openServerSocketChannel();
  }

  @Override
  public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
    noticeUnlessUnix(family, "ServerSocketChannel");
    return delegate.openServerSocketChannel(family);
  }

  @Override
  public SocketChannel openSocketChannel() throws IOException {
    notice("SocketChannel");
    return delegate.openSocketChannel();
  }

  @Override
  public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
    noticeUnlessUnix(family, "SocketChannel");
    return delegate.openSocketChannel(family);
  }

  @Override
  public Channel inheritedChannel() throws IOException {
    return delegate.inheritedChannel();
  }
}
