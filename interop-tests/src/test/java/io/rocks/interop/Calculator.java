package io.rocks.interop;

import java.rmi.Remote;
import java.rmi.RemoteException;

/** A remote object for Java RMI (JRMP, a client-first protocol no one here wrote). */
public interface Calculator extends Remote {
  /** Returns {@code data} unchanged. */
  byte[] echo(byte[] data) throws RemoteException;

  /** Returns the SHA-256 of {@code data} as the server received it, in hex. */
  String sha256(byte[] data) throws RemoteException;

  long add(long a, long b) throws RemoteException;

  /** How many calls this object served before this one: state kept across the session. */
  int callsBefore() throws RemoteException;
}
