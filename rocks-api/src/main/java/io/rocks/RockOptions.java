package io.rocks;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How one rock behaves. Immutable; build one with {@link #builder()} or start from {@link
 * #defaults()} and change what differs.
 *
 * <p>A silent cut (packets vanish, no FIN, no RST) is detected after {@code heartbeatInterval *
 * failureSensitivity} without any byte from the peer; each side sends a heartbeat whenever it has
 * sent nothing for one interval.
 *
 * @param heartbeatInterval how often an idle connection proves it is alive
 * @param failureSensitivity how many silent intervals mean the connection is dead (at least 1)
 * @param reconnectTimeout how long a suspended rock waits for recovery before it fails
 * @param backoffInitial the first pause between reconnection attempts
 * @param backoffCap the longest pause between reconnection attempts
 * @param backoffJitter the random share of each pause, from 0 (none: exactly exponential) to 1
 *     (full jitter: uniform between the initial pause and the exponential ceiling)
 * @param connectTimeout the time limit for one TCP connect
 * @param handshakeTimeout the time limit for establishing or resuming a rock over a TCP connection
 * @param inFlightCapacity bytes written but not yet acknowledged that a rock holds before {@code
 *     write} blocks; memory grows only as needed, to at most this much plus framing room and
 *     arrays kept for reuse (about 0.5 MiB more at the default 1 MiB), held off the heap (direct
 *     memory) beyond the first 8 KiB
 * @param receiveWindow bytes received but not yet read by the application that a rock accepts from
 *     the peer; the peer stops sending at this limit
 * @param listeners listeners installed on every rock built with these options
 * @param preSharedSecret a secret both ends hold, mixed into the key agreement so each side proves
 *     it before the other trusts the rock; null for none (the default: an unauthenticated key
 *     agreement, safe against off-path and passive attackers only)
 * @param tls the TLS context for the underlying connections, or null for plain TCP; every
 *     reconnection opens a new TLS connection and the rock's own resume proof still applies
 * @param tlsClientAuth on a server socket with TLS, whether clients must present a certificate
 *     its trust store accepts
 * @param maxSuspendedRocks on a server socket, how many suspended rocks it holds at most; a rock
 *     that suspends beyond this fails at once and its peer is refused when it comes back
 * @param detection how a connection finds out whether its peer speaks rocks
 * @param detectTimeout how long detection waits: a client for the answer to its probe, a server
 *     for a silent new connection's first bytes, before deciding the peer is plain
 * @param detectCacheTtl how long a client remembers whether an endpoint is a rock or plain
 */
public record RockOptions(
    Duration heartbeatInterval,
    int failureSensitivity,
    Duration reconnectTimeout,
    Duration backoffInitial,
    Duration backoffCap,
    double backoffJitter,
    Duration connectTimeout,
    Duration handshakeTimeout,
    int inFlightCapacity,
    int receiveWindow,
    List<RockListener> listeners,
    RockSecret preSharedSecret,
    SSLContext tls,
    RockClientAuth tlsClientAuth,
    int maxSuspendedRocks,
    RockDetection detection,
    Duration detectTimeout,
    Duration detectCacheTtl) {

  /** The smallest accepted buffer size: the window every rock grants before it has said otherwise. */
  public static final int MIN_BUFFER_BYTES = 64 * 1024;

  /** The largest accepted buffer size: 1 GiB. */
  public static final int MAX_BUFFER_BYTES = 1 << 30;

  /** Validates every field; throws {@link IllegalArgumentException} naming the bad one. */
  public RockOptions {
    positive("heartbeatInterval", heartbeatInterval);
    positive("reconnectTimeout", reconnectTimeout);
    positive("backoffInitial", backoffInitial);
    positive("backoffCap", backoffCap);
    positive("connectTimeout", connectTimeout);
    positive("handshakeTimeout", handshakeTimeout);
    positive("detectTimeout", detectTimeout);
    positive("detectCacheTtl", detectCacheTtl);
    Objects.requireNonNull(detection, "detection");
    Objects.requireNonNull(tlsClientAuth, "tlsClientAuth");
    if (failureSensitivity < 1) {
      throw new IllegalArgumentException(
          "failureSensitivity must be at least 1, was " + failureSensitivity);
    }
    if (!(backoffJitter >= 0 && backoffJitter <= 1)) {
      throw new IllegalArgumentException("backoffJitter must be between 0 and 1, was " + backoffJitter);
    }
    if (backoffCap.compareTo(backoffInitial) < 0) {
      throw new IllegalArgumentException(
          "backoffCap (" + backoffCap + ") is shorter than backoffInitial (" + backoffInitial + ")");
    }
    if (inFlightCapacity < MIN_BUFFER_BYTES || inFlightCapacity > MAX_BUFFER_BYTES) {
      throw new IllegalArgumentException(
          "inFlightCapacity must be from " + MIN_BUFFER_BYTES + " to " + MAX_BUFFER_BYTES
              + " bytes, was " + inFlightCapacity);
    }
    if (receiveWindow < MIN_BUFFER_BYTES || receiveWindow > MAX_BUFFER_BYTES) {
      throw new IllegalArgumentException(
          "receiveWindow must be from " + MIN_BUFFER_BYTES + " to " + MAX_BUFFER_BYTES
              + " bytes, was " + receiveWindow);
    }
    listeners = List.copyOf(listeners);
    if (maxSuspendedRocks < 1) {
      throw new IllegalArgumentException(
          "maxSuspendedRocks must be at least 1, was " + maxSuspendedRocks);
    }
  }

  /**
   * Returns the defaults: the implementation's {@code reference.conf}, overridden by the
   * application's configuration, without any rule applied. See {@link Rocks#defaultOptions()}.
   */
  public static RockOptions defaults() {
    return Rocks.defaultOptions();
  }

  /** Returns a builder that starts from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder(defaults());
  }

  /** Returns a builder that starts from these options. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Returns how long a connection may stay silent before the rock suspends. */
  public Duration failureDetectionTime() {
    return heartbeatInterval.multipliedBy(failureSensitivity);
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }

  /** Builds {@link RockOptions}; not thread-safe. */
  public static final class Builder {
    private Duration heartbeatInterval;
    private int failureSensitivity;
    private Duration reconnectTimeout;
    private Duration backoffInitial;
    private Duration backoffCap;
    private double backoffJitter;
    private Duration connectTimeout;
    private Duration handshakeTimeout;
    private int inFlightCapacity;
    private int receiveWindow;
    private List<RockListener> listeners;
    private RockSecret preSharedSecret;
    private SSLContext tls;
    private RockClientAuth tlsClientAuth;
    private int maxSuspendedRocks;
    private RockDetection detection;
    private Duration detectTimeout;
    private Duration detectCacheTtl;

    private Builder(RockOptions from) {
      heartbeatInterval = from.heartbeatInterval;
      failureSensitivity = from.failureSensitivity;
      reconnectTimeout = from.reconnectTimeout;
      backoffInitial = from.backoffInitial;
      backoffCap = from.backoffCap;
      backoffJitter = from.backoffJitter;
      connectTimeout = from.connectTimeout;
      handshakeTimeout = from.handshakeTimeout;
      inFlightCapacity = from.inFlightCapacity;
      receiveWindow = from.receiveWindow;
      listeners = from.listeners;
      preSharedSecret = from.preSharedSecret;
      tls = from.tls;
      tlsClientAuth = from.tlsClientAuth;
      maxSuspendedRocks = from.maxSuspendedRocks;
      detection = from.detection;
      detectTimeout = from.detectTimeout;
      detectCacheTtl = from.detectCacheTtl;
    }

    public Builder heartbeatInterval(Duration value) {
      heartbeatInterval = value;
      return this;
    }

    public Builder failureSensitivity(int value) {
      failureSensitivity = value;
      return this;
    }

    public Builder reconnectTimeout(Duration value) {
      reconnectTimeout = value;
      return this;
    }

    public Builder backoff(Duration initial, Duration cap) {
      backoffInitial = initial;
      backoffCap = cap;
      return this;
    }

    public Builder backoffJitter(double share) {
      backoffJitter = share;
      return this;
    }

    public Builder connectTimeout(Duration value) {
      connectTimeout = value;
      return this;
    }

    public Builder handshakeTimeout(Duration value) {
      handshakeTimeout = value;
      return this;
    }

    public Builder inFlightCapacity(int byteCount) {
      inFlightCapacity = byteCount;
      return this;
    }

    public Builder receiveWindow(int byteCount) {
      receiveWindow = byteCount;
      return this;
    }

    public Builder listeners(List<RockListener> value) {
      listeners = value;
      return this;
    }

    /** Sets the pre-shared secret; null removes it. */
    public Builder preSharedSecret(RockSecret secret) {
      preSharedSecret = secret;
      return this;
    }

    /** Runs the underlying connections over TLS from {@code context}; null for plain TCP. */
    public Builder tls(SSLContext context) {
      tls = context;
      return this;
    }

    /** On a server socket with TLS: whether clients must present a trusted certificate. */
    public Builder tlsClientAuth(RockClientAuth value) {
      tlsClientAuth = value;
      return this;
    }

    public Builder maxSuspendedRocks(int count) {
      maxSuspendedRocks = count;
      return this;
    }

    public Builder detection(RockDetection value) {
      detection = value;
      return this;
    }

    public Builder detectTimeout(Duration value) {
      detectTimeout = value;
      return this;
    }

    public Builder detectCacheTtl(Duration value) {
      detectCacheTtl = value;
      return this;
    }

    /** Returns the options; throws {@link IllegalArgumentException} naming a bad value. */
    public RockOptions build() {
      return new RockOptions(
          heartbeatInterval,
          failureSensitivity,
          reconnectTimeout,
          backoffInitial,
          backoffCap,
          backoffJitter,
          connectTimeout,
          handshakeTimeout,
          inFlightCapacity,
          receiveWindow,
          listeners,
          preSharedSecret,
          tls,
          tlsClientAuth,
          maxSuspendedRocks,
          detection,
          detectTimeout,
          detectCacheTtl);
    }
  }
}
