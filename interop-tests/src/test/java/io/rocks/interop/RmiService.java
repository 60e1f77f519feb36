package io.rocks.interop;

import java.io.IOException;
import java.net.InetAddress;
import java.rmi.NoSuchObjectException;
import java.rmi.NotBoundException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.UnicastRemoteObject;

/**
 * A Java RMI registry and one {@link Calculator} bound in it as {@code "calculator"}, each on a
 * listening socket of its own from {@link RmiServerSockets}, on free loopback ports.
 */
final class RmiService implements AutoCloseable {
  static final String NAME = "calculator";

  final RmiServerSockets registrySockets;
  final RmiServerSockets serviceSockets;
  private final Registry registry;
  private final CalculatorImpl calculator = new CalculatorImpl();

  /**
   * Starts the registry and the calculator, on rocks server sockets if {@code rocks}; clients
   * call the calculator through {@code clientSockets} (null for RMI's plain sockets).
   */
  RmiService(boolean rocks, InetAddress address, RMIClientSocketFactory clientSockets)
      throws IOException {
    registrySockets = new RmiServerSockets(rocks, address);
    serviceSockets = new RmiServerSockets(rocks, address);
    registry = LocateRegistry.createRegistry(0, null, registrySockets);
    try {
      Calculator stub =
          (Calculator) UnicastRemoteObject.exportObject(calculator, 0, clientSockets, serviceSockets);
      registry.rebind(NAME, stub);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  int registryPort() {
    return registrySockets.port();
  }

  /** Looks the calculator up as a plain RMI client would: {@code LocateRegistry.getRegistry}. */
  Calculator lookup(InetAddress address) throws IOException, NotBoundException {
    return (Calculator) LocateRegistry.getRegistry(address.getHostAddress(), registryPort()).lookup(NAME);
  }

  @Override
  public void close() {
    unexport(calculator);
    unexport(registry);
    registrySockets.close();
    serviceSockets.close();
  }

  private static void unexport(java.rmi.Remote object) {
    try {
      UnicastRemoteObject.unexportObject(object, true);
    } catch (NoSuchObjectException ignored) {
      // Not exported (a failed start).
    }
  }
}
