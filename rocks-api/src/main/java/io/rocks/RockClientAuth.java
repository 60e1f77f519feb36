package io.rocks;

/**
 * Whether a server socket running rocks over TLS asks its clients for a certificate, checked
 * against its trust store. Each reconnection is a new TLS connection and is checked again.
 */
public enum RockClientAuth {
  /** Clients are not asked for a certificate: any client may set up a rock (the default). */
  NONE,
  /** Clients are asked; one that sends none is still served, one whose certificate fails is not. */
  WANT,
  /** Mutual TLS: a client without a certificate the server trusts gets no connection at all. */
  NEED
}
