package io.rocks.agent;

import io.rocks.impl.io.Channels;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketImpl;
import java.util.Map;
import java.util.Set;

/**
 * The library's plain sockets under the agent, made with the JDK's own socket implementation
 * ({@code SocketImpl.createPlatformSocketImpl}, which {@code java.base} opens to the agent through
 * {@link Instrumentation#redefineModule}) and the protected {@code Socket(SocketImpl)} and {@code
 * ServerSocket(SocketImpl)} constructors, which no factory reaches. So a connection the policy
 * leaves plain behaves as the program's own socket would without the agent, down to what an
 * interrupt does to a platform thread blocked in a read (a channel's socket would close).
 * Thread-safe.
 */
final class PlatformSockets implements Channels.PlainSockets {
  private final Method create;

  private PlatformSockets(Method create) {
    this.create = create;
  }

  /** Returns the JDK's own sockets, or null (said in {@code notes}) where they are out of reach. */
  static PlatformSockets open(Instrumentation instrumentation, java.util.List<String> notes) {
    try {
      instrumentation.redefineModule(SocketImpl.class.getModule(), Set.of(), Map.of(),
          Map.of("java.net", Set.of(PlatformSockets.class.getModule())), Set.of(), Map.of());
      Method create = SocketImpl.class.getDeclaredMethod("createPlatformSocketImpl", boolean.class);
      create.setAccessible(true);
      return new PlatformSockets(create);
    } catch (ReflectiveOperationException | RuntimeException e) {
      notes.add("rocks-agent: the JDK's socket implementation is out of reach (" + e
          + "); plain connections use channels' sockets");
      return null;
    }
  }

  private SocketImpl impl(boolean server) throws IOException {
    try {
      return (SocketImpl) create.invoke(null, server);
    } catch (InvocationTargetException e) {
      throw new SocketException("cannot make a socket: " + e.getCause());
    } catch (IllegalAccessException e) {
      throw new SocketException("cannot make a socket: " + e);
    }
  }

  @Override
  public Socket socket() throws IOException {
    return new PlainSocket(impl(false));
  }

  @Override
  public ServerSocket serverSocket() throws IOException {
    return new PlainServerSocket(impl(true));
  }

  /** A socket on the JDK's own implementation. */
  private static final class PlainSocket extends Socket {
    PlainSocket(SocketImpl impl) throws SocketException {
      super(impl);
    }
  }

  /** A server socket on the JDK's own implementation; it accepts sockets on it too. */
  private static final class PlainServerSocket extends ServerSocket {
    PlainServerSocket(SocketImpl impl) {
      super(impl);
    }
  }
}
