package io.rocks;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How one rock behaves. Build one with {@link #builder()}, which starts from {@link #defaults()},
 * or with {@link #toBuilder()}, which starts from existing options, and change what differs. The
 * default of every option, with its unit and range, is in the {@code reference.conf} of
 * rocks-policy, under a key named after the option ({@code heartbeat-interval}, {@code
 * backoff.initial}).
 *
 * <p>A silent cut (packets vanish, no FIN, no RST) is detected after {@code heartbeatInterval *
 * failureSensitivity} without any byte from the peer; each side sends a heartbeat whenever it has
 * sent nothing for one interval.
 *
 * <p>A class rather than a record, so that adding an option does not break callers: every option
 * is set through {@link Builder}. Two options are equal when every option is equal.
 *
 * <p>Immutable and thread-safe. No method blocks, except that {@link #defaults()} and {@link
 * #builder()} load the implementation and its configuration on the first call in a JVM.
 */
public final class RockOptions {
  /** The smallest accepted buffer size: the window every rock grants before it has said otherwise. */
  public static final int MIN_BUFFER_BYTES = 64 * 1024;

  /** The largest accepted buffer size: 1 GiB. */
  public static final int MAX_BUFFER_BYTES = 1 << 30;

  private final Duration heartbeatInterval;
  private final int failureSensitivity;
  /**
   * {@link #heartbeatInterval} times {@link #failureSensitivity}, computed once: every frame read
   * on an application's thread asks for it, and {@link Duration#multipliedBy} computes in {@code
   * BigDecimal}.
   */
  private final Duration failureDetectionTime;
  private final Duration reconnectTimeout;
  private final Duration backoffInitial;
  private final Duration backoffCap;
  private final double backoffJitter;
  private final Duration connectTimeout;
  private final Duration handshakeTimeout;
  private final int inFlightCapacity;
  private final int receiveWindow;
  private final int maxWindow;
  private final List<RockListener> listeners;
  private final RockSecret preSharedSecret;
  private final SSLContext tls;
  private final RockClientAuth tlsClientAuth;
  private final int maxSuspendedRocks;
  private final RockDetection detection;
  private final Duration detectTimeout;
  private final Duration detectCacheTtl;
  private final Duration idleAfter;
  private final Duration idleHeartbeatInterval;
  private final boolean tcpKeepAlive;

  /**
   * Validates every option of {@code builder}; throws {@link IllegalArgumentException} naming a bad
   * value, or {@link NullPointerException} naming an option that must be set and is not.
   */
  private RockOptions(Builder builder) {
    positive("heartbeatInterval", builder.heartbeatInterval);
    positive("reconnectTimeout", builder.reconnectTimeout);
    positive("backoffInitial", builder.backoffInitial);
    positive("backoffCap", builder.backoffCap);
    positive("connectTimeout", builder.connectTimeout);
    positive("handshakeTimeout", builder.handshakeTimeout);
    positive("detectTimeout", builder.detectTimeout);
    positive("detectCacheTtl", builder.detectCacheTtl);
    Objects.requireNonNull(builder.detection, "detection");
    Objects.requireNonNull(builder.tlsClientAuth, "tlsClientAuth");
    int failureSensitivity = set("failureSensitivity", builder.failureSensitivity);
    if (failureSensitivity < 1) {
      throw new IllegalArgumentException(
          "failureSensitivity must be at least 1, was " + failureSensitivity);
    }
    double backoffJitter = set("backoffJitter", builder.backoffJitter);
    if (!(backoffJitter >= 0 && backoffJitter <= 1)) {
      throw new IllegalArgumentException("backoffJitter must be between 0 and 1, was " + backoffJitter);
    }
    if (builder.backoffCap.compareTo(builder.backoffInitial) < 0) {
      throw new IllegalArgumentException(
          "backoffCap (" + builder.backoffCap + ") is shorter than backoffInitial ("
              + builder.backoffInitial + ")");
    }
    int inFlightCapacity = set("inFlightCapacity", builder.inFlightCapacity);
    if (inFlightCapacity < MIN_BUFFER_BYTES || inFlightCapacity > MAX_BUFFER_BYTES) {
      throw new IllegalArgumentException(
          "inFlightCapacity must be from " + MIN_BUFFER_BYTES + " to " + MAX_BUFFER_BYTES
              + " bytes, was " + inFlightCapacity);
    }
    int receiveWindow = set("receiveWindow", builder.receiveWindow);
    if (receiveWindow < MIN_BUFFER_BYTES || receiveWindow > MAX_BUFFER_BYTES) {
      throw new IllegalArgumentException(
          "receiveWindow must be from " + MIN_BUFFER_BYTES + " to " + MAX_BUFFER_BYTES
              + " bytes, was " + receiveWindow);
    }
    // Without a maximum, or with a size set on its own, the sizes are fixed: no tuning.
    int maxWindow =
        builder.maxWindow == null || (builder.sizeSet && !builder.maxWindowSet)
            ? Math.max(inFlightCapacity, receiveWindow)
            : builder.maxWindow;
    if (maxWindow < MIN_BUFFER_BYTES || maxWindow > MAX_BUFFER_BYTES) {
      throw new IllegalArgumentException(
          "maxWindow must be from " + MIN_BUFFER_BYTES + " to " + MAX_BUFFER_BYTES
              + " bytes, was " + maxWindow);
    }
    List<RockListener> listeners = List.copyOf(builder.listeners);
    int maxSuspendedRocks = set("maxSuspendedRocks", builder.maxSuspendedRocks);
    if (maxSuspendedRocks < 1) {
      throw new IllegalArgumentException(
          "maxSuspendedRocks must be at least 1, was " + maxSuspendedRocks);
    }
    positive("idleAfter", builder.idleAfter);
    positive("idleHeartbeatInterval", builder.idleHeartbeatInterval);
    boolean tcpKeepAlive = set("tcpKeepAlive", builder.tcpKeepAlive);

    this.heartbeatInterval = builder.heartbeatInterval;
    this.failureSensitivity = failureSensitivity;
    this.failureDetectionTime = builder.heartbeatInterval.multipliedBy(failureSensitivity);
    this.reconnectTimeout = builder.reconnectTimeout;
    this.backoffInitial = builder.backoffInitial;
    this.backoffCap = builder.backoffCap;
    this.backoffJitter = backoffJitter;
    this.connectTimeout = builder.connectTimeout;
    this.handshakeTimeout = builder.handshakeTimeout;
    this.inFlightCapacity = inFlightCapacity;
    this.receiveWindow = receiveWindow;
    this.maxWindow = maxWindow;
    this.listeners = listeners;
    this.preSharedSecret = builder.preSharedSecret;
    this.tls = builder.tls;
    this.tlsClientAuth = builder.tlsClientAuth;
    this.maxSuspendedRocks = maxSuspendedRocks;
    this.detection = builder.detection;
    this.detectTimeout = builder.detectTimeout;
    this.detectCacheTtl = builder.detectCacheTtl;
    this.idleAfter = builder.idleAfter;
    this.idleHeartbeatInterval = builder.idleHeartbeatInterval;
    this.tcpKeepAlive = tcpKeepAlive;
  }

  /**
   * Returns the defaults: the implementation's {@code reference.conf}, overridden by the
   * application's configuration, without any rule applied. See {@link Rocks#defaultOptions()}.
   *
   * @return the default options
   * @throws IllegalStateException if no implementation of {@link io.rocks.spi.RocksProvider} is
   *     on the class path or module path
   */
  public static RockOptions defaults() {
    return Rocks.defaultOptions();
  }

  /**
   * Returns a builder that starts from {@link #defaults()}.
   *
   * @return a new builder holding the default options
   * @throws IllegalStateException if no implementation of {@link io.rocks.spi.RocksProvider} is
   *     on the class path or module path
   */
  public static Builder builder() {
    return new Builder(defaults());
  }

  /**
   * Returns a builder with no option set, for a loader that supplies every option itself (such as
   * the one that reads {@code reference.conf}, which {@link #defaults()} depends on). {@link
   * Builder#build()} throws {@link NullPointerException} naming the first option still unset,
   * except {@link #preSharedSecret()} and {@link #tls()}, whose absence means none.
   *
   * @return a new builder without any option set
   */
  public static Builder emptyBuilder() {
    return new Builder();
  }

  /**
   * Returns a builder that starts from these options.
   *
   * @return a new builder holding these options
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Returns how long a connection may stay silent before the rock suspends: {@link
   * #heartbeatInterval()} times {@link #failureSensitivity()}.
   *
   * @return the silence after which a connection counts as dead
   */
  public Duration failureDetectionTime() {
    return failureDetectionTime;
  }

  /**
   * Returns how often an idle connection proves it is alive: each side sends a heartbeat whenever
   * it has sent nothing for this long.
   *
   * @return the heartbeat interval, positive
   */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /**
   * Returns how many heartbeat intervals without any byte from the peer mean the connection is
   * dead.
   *
   * @return the number of silent intervals, at least 1
   */
  public int failureSensitivity() {
    return failureSensitivity;
  }

  /**
   * Returns how long a suspended rock waits for recovery before it fails.
   *
   * @return the reconnect timeout, positive
   */
  public Duration reconnectTimeout() {
    return reconnectTimeout;
  }

  /**
   * Returns the first pause between reconnection attempts.
   *
   * @return the initial backoff, positive
   */
  public Duration backoffInitial() {
    return backoffInitial;
  }

  /**
   * Returns the longest pause between reconnection attempts.
   *
   * @return the backoff cap, positive and not shorter than {@link #backoffInitial()}
   */
  public Duration backoffCap() {
    return backoffCap;
  }

  /**
   * Returns the random share of each pause between reconnection attempts: 0 for none (exactly
   * exponential), 1 for full jitter (uniform between the initial pause and the exponential
   * ceiling).
   *
   * @return the jitter share, from 0 to 1
   */
  public double backoffJitter() {
    return backoffJitter;
  }

  /**
   * Returns the time limit for one TCP connect.
   *
   * @return the connect timeout, positive
   */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * Returns the time limit for establishing or resuming a rock over a TCP connection.
   *
   * @return the handshake timeout, positive
   */
  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  /**
   * Returns how many bytes written but not yet acknowledged a rock holds before {@code write}
   * blocks, at first: the bound grows with the peer's window up to {@link #maxWindow()} when that
   * is larger. Memory grows only as needed, to at most the bound plus framing room and arrays kept
   * for reuse (about 0.5 MiB more at the default 1 MiB), held off the heap (direct memory) beyond
   * the first 8 KiB.
   *
   * @return the in-flight capacity in bytes, from {@link #MIN_BUFFER_BYTES} to {@link
   *     #MAX_BUFFER_BYTES}
   */
  public int inFlightCapacity() {
    return inFlightCapacity;
  }

  /**
   * Returns how many bytes received but not yet read by the application a rock accepts from the
   * peer, at first; the peer stops sending at this limit. The window grows with the path up to
   * {@link #maxWindow()} when that is larger.
   *
   * @return the receive window in bytes, from {@link #MIN_BUFFER_BYTES} to {@link
   *     #MAX_BUFFER_BYTES}
   */
  public int receiveWindow() {
    return receiveWindow;
  }

  /**
   * Returns the most the receive window and the in-flight bound grow to. They start at {@link
   * #receiveWindow()} and {@link #inFlightCapacity()}; when half a window is read in less than a
   * round trip the window is what limits the transfer, and it grows to cover the path's measured
   * rate times its round trip (the sender's bound follows the window its peer grants), as far as
   * this maximum and the process's window budget allow; on paths with a round trip under 1 ms it
   * stays. An idle rock goes back to the starting sizes. A maximum no larger than the larger starting size
   * fixes both; so does setting either size on a builder without setting a maximum.
   *
   * @return the largest window in bytes, from {@link #MIN_BUFFER_BYTES} to {@link
   *     #MAX_BUFFER_BYTES}
   */
  public int maxWindow() {
    return maxWindow;
  }

  /**
   * Returns whether the windows grow with the path: {@link #maxWindow()} is larger than both
   * starting sizes.
   *
   * @return true if the windows are tuned, false if their sizes are fixed
   */
  public boolean windowTuning() {
    return maxWindow > Math.max(receiveWindow, inFlightCapacity);
  }

  /**
   * Returns the listeners installed on every rock built with these options.
   *
   * @return an unmodifiable list, possibly empty, never null
   */
  public List<RockListener> listeners() {
    return listeners;
  }

  /**
   * Returns the secret both ends hold, mixed into the key agreement so each side proves it before
   * the other trusts the rock. Without one (the default) the key agreement is unauthenticated: safe
   * against off-path and passive attackers only.
   *
   * @return the pre-shared secret, or null for none
   */
  public RockSecret preSharedSecret() {
    return preSharedSecret;
  }

  /**
   * Returns the TLS context for the underlying connections. Every reconnection opens a new TLS
   * connection, and the rock's own resume proof still applies.
   *
   * @return the TLS context, or null for plain TCP
   */
  public SSLContext tls() {
    return tls;
  }

  /**
   * Returns, for a server socket with TLS, whether clients must present a certificate its trust
   * store accepts.
   *
   * @return the client authentication mode, never null
   */
  public RockClientAuth tlsClientAuth() {
    return tlsClientAuth;
  }

  /**
   * Returns, for a server socket, how many suspended rocks it holds at most. A rock that suspends
   * beyond this fails at once and its peer is refused when it comes back.
   *
   * @return the largest number of suspended rocks, at least 1
   */
  public int maxSuspendedRocks() {
    return maxSuspendedRocks;
  }

  /**
   * Returns how a connection finds out whether its peer speaks rocks.
   *
   * @return the detection mode, never null
   */
  public RockDetection detection() {
    return detection;
  }

  /**
   * Returns how long detection waits before it decides the peer is plain: a client for the answer
   * to its probe, a server for a silent new connection's first bytes.
   *
   * @return the detect timeout, positive
   */
  public Duration detectTimeout() {
    return detectTimeout;
  }

  /**
   * Returns how long a client remembers whether an endpoint is a rock or plain.
   *
   * @return the time to live of a detection verdict, positive
   */
  public Duration detectCacheTtl() {
    return detectCacheTtl;
  }

  /**
   * Returns how long a rock goes without application data in either direction before it enters
   * idle mode.
   *
   * @return the time without application data before idle mode, positive
   */
  public Duration idleAfter() {
    return idleAfter;
  }

  /**
   * Returns the heartbeat interval in idle mode; one shorter than {@link #heartbeatInterval()}
   * means that interval. The default, 25 seconds, is shorter than common NAT mapping timeouts. A
   * silent cut of an idle rock is noticed after {@link #failureSensitivity()} such intervals; one
   * with written data not yet acknowledged, within {@link #failureDetectionTime()}.
   *
   * @return the idle heartbeat interval, positive
   */
  public Duration idleHeartbeatInterval() {
    return idleHeartbeatInterval;
  }

  /**
   * Returns whether the underlying TCP connections use the kernel's keepalive in idle mode, with
   * {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTERVAL} and {@code TCP_KEEPCOUNT} derived from {@link
   * #idleHeartbeatInterval()}.
   *
   * @return true to use TCP keepalive in idle mode
   */
  public boolean tcpKeepAlive() {
    return tcpKeepAlive;
  }

  /**
   * Returns whether {@code other} is a {@code RockOptions} with equal options: durations, numbers,
   * modes and the secret by value; listeners by {@link List#equals}; the TLS context by identity.
   *
   * @param other the object to compare with, may be null
   * @return true if every option is equal
   */
  @Override
  public boolean equals(Object other) {
    return other instanceof RockOptions that
        && heartbeatInterval.equals(that.heartbeatInterval)
        && failureSensitivity == that.failureSensitivity
        && reconnectTimeout.equals(that.reconnectTimeout)
        && backoffInitial.equals(that.backoffInitial)
        && backoffCap.equals(that.backoffCap)
        && Double.compare(backoffJitter, that.backoffJitter) == 0
        && connectTimeout.equals(that.connectTimeout)
        && handshakeTimeout.equals(that.handshakeTimeout)
        && inFlightCapacity == that.inFlightCapacity
        && receiveWindow == that.receiveWindow
        && maxWindow == that.maxWindow
        && listeners.equals(that.listeners)
        && Objects.equals(preSharedSecret, that.preSharedSecret)
        && Objects.equals(tls, that.tls)
        && tlsClientAuth == that.tlsClientAuth
        && maxSuspendedRocks == that.maxSuspendedRocks
        && detection == that.detection
        && detectTimeout.equals(that.detectTimeout)
        && detectCacheTtl.equals(that.detectCacheTtl)
        && idleAfter.equals(that.idleAfter)
        && idleHeartbeatInterval.equals(that.idleHeartbeatInterval)
        && tcpKeepAlive == that.tcpKeepAlive;
  }

  /**
   * Returns a hash of every option, consistent with {@link #equals(Object)}.
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    return Objects.hash(
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
        maxWindow,
        listeners,
        preSharedSecret,
        tls,
        tlsClientAuth,
        maxSuspendedRocks,
        detection,
        detectTimeout,
        detectCacheTtl,
        idleAfter,
        idleHeartbeatInterval,
        tcpKeepAlive);
  }

  /**
   * Returns every option in the form a record would print, such as {@code
   * RockOptions[heartbeatInterval=PT0.5S, failureSensitivity=3, ...]}. The secret prints redacted.
   *
   * @return a description of these options
   */
  @Override
  public String toString() {
    return "RockOptions[heartbeatInterval=" + heartbeatInterval
        + ", failureSensitivity=" + failureSensitivity
        + ", reconnectTimeout=" + reconnectTimeout
        + ", backoffInitial=" + backoffInitial
        + ", backoffCap=" + backoffCap
        + ", backoffJitter=" + backoffJitter
        + ", connectTimeout=" + connectTimeout
        + ", handshakeTimeout=" + handshakeTimeout
        + ", inFlightCapacity=" + inFlightCapacity
        + ", receiveWindow=" + receiveWindow
        + ", maxWindow=" + maxWindow
        + ", listeners=" + listeners
        + ", preSharedSecret=" + preSharedSecret
        + ", tls=" + tls
        + ", tlsClientAuth=" + tlsClientAuth
        + ", maxSuspendedRocks=" + maxSuspendedRocks
        + ", detection=" + detection
        + ", detectTimeout=" + detectTimeout
        + ", detectCacheTtl=" + detectCacheTtl
        + ", idleAfter=" + idleAfter
        + ", idleHeartbeatInterval=" + idleHeartbeatInterval
        + ", tcpKeepAlive=" + tcpKeepAlive
        + "]";
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }

  /** Returns {@code value}, or throws {@link NullPointerException} naming it if it was never set. */
  private static <T> T set(String name, T value) {
    return Objects.requireNonNull(value, name);
  }

  /**
   * Builds {@link RockOptions}. Setters only record a value; {@link #build()} checks them all.
   *
   * <p>Not thread-safe: use one builder from one thread at a time.
   */
  public static final class Builder {
    private Duration heartbeatInterval;
    // Boxed so that a builder from emptyBuilder() can tell "never set" from a value.
    private Integer failureSensitivity;
    private Duration reconnectTimeout;
    private Duration backoffInitial;
    private Duration backoffCap;
    private Double backoffJitter;
    private Duration connectTimeout;
    private Duration handshakeTimeout;
    private Integer inFlightCapacity;
    private Integer receiveWindow;
    private Integer maxWindow;
    /** True once a size was set on this builder, false for one copied from options. */
    private boolean sizeSet;
    /** True once the maximum window was set on this builder. */
    private boolean maxWindowSet;
    private List<RockListener> listeners;
    private RockSecret preSharedSecret;
    private SSLContext tls;
    private RockClientAuth tlsClientAuth;
    private Integer maxSuspendedRocks;
    private RockDetection detection;
    private Duration detectTimeout;
    private Duration detectCacheTtl;
    private Duration idleAfter;
    private Duration idleHeartbeatInterval;
    private Boolean tcpKeepAlive;

    private Builder() {}

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
      maxWindow = from.maxWindow;
      listeners = from.listeners;
      preSharedSecret = from.preSharedSecret;
      tls = from.tls;
      tlsClientAuth = from.tlsClientAuth;
      maxSuspendedRocks = from.maxSuspendedRocks;
      detection = from.detection;
      detectTimeout = from.detectTimeout;
      detectCacheTtl = from.detectCacheTtl;
      idleAfter = from.idleAfter;
      idleHeartbeatInterval = from.idleHeartbeatInterval;
      tcpKeepAlive = from.tcpKeepAlive;
    }

    /**
     * Sets how often an idle connection proves it is alive; see {@link
     * RockOptions#heartbeatInterval()}.
     *
     * @param value a positive duration
     * @return this builder
     */
    public Builder heartbeatInterval(Duration value) {
      heartbeatInterval = value;
      return this;
    }

    /**
     * Sets how many silent heartbeat intervals mean the connection is dead; see {@link
     * RockOptions#failureSensitivity()}.
     *
     * @param value the number of intervals, at least 1
     * @return this builder
     */
    public Builder failureSensitivity(int value) {
      failureSensitivity = value;
      return this;
    }

    /**
     * Sets how long a suspended rock waits for recovery before it fails; see {@link
     * RockOptions#reconnectTimeout()}.
     *
     * @param value a positive duration
     * @return this builder
     */
    public Builder reconnectTimeout(Duration value) {
      reconnectTimeout = value;
      return this;
    }

    /**
     * Sets the first and the longest pause between reconnection attempts; see {@link
     * RockOptions#backoffInitial()} and {@link RockOptions#backoffCap()}.
     *
     * @param initial the first pause, a positive duration
     * @param cap the longest pause, a positive duration not shorter than {@code initial}
     * @return this builder
     */
    public Builder backoff(Duration initial, Duration cap) {
      backoffInitial = initial;
      backoffCap = cap;
      return this;
    }

    /**
     * Sets the random share of each pause between reconnection attempts; see {@link
     * RockOptions#backoffJitter()}.
     *
     * @param share from 0 (exactly exponential) to 1 (full jitter)
     * @return this builder
     */
    public Builder backoffJitter(double share) {
      backoffJitter = share;
      return this;
    }

    /**
     * Sets the time limit for one TCP connect; see {@link RockOptions#connectTimeout()}.
     *
     * @param value a positive duration
     * @return this builder
     */
    public Builder connectTimeout(Duration value) {
      connectTimeout = value;
      return this;
    }

    /**
     * Sets the time limit for establishing or resuming a rock over a TCP connection; see {@link
     * RockOptions#handshakeTimeout()}.
     *
     * @param value a positive duration
     * @return this builder
     */
    public Builder handshakeTimeout(Duration value) {
      handshakeTimeout = value;
      return this;
    }

    /**
     * Sets how many bytes written but not yet acknowledged a rock holds before {@code write}
     * blocks; see {@link RockOptions#inFlightCapacity()}.
     *
     * @param byteCount from {@link RockOptions#MIN_BUFFER_BYTES} to {@link
     *     RockOptions#MAX_BUFFER_BYTES}
     * @return this builder
     */
    public Builder inFlightCapacity(int byteCount) {
      inFlightCapacity = byteCount;
      sizeSet = true;
      return this;
    }

    /**
     * Sets how many bytes received but not yet read a rock accepts from the peer; see {@link
     * RockOptions#receiveWindow()}.
     *
     * @param byteCount from {@link RockOptions#MIN_BUFFER_BYTES} to {@link
     *     RockOptions#MAX_BUFFER_BYTES}
     * @return this builder
     */
    public Builder receiveWindow(int byteCount) {
      receiveWindow = byteCount;
      sizeSet = true;
      return this;
    }

    /**
     * Sets the most the receive window and the in-flight bound grow to; see {@link
     * RockOptions#maxWindow()}. Without this call, a size set on this builder is fixed.
     *
     * @param byteCount from {@link RockOptions#MIN_BUFFER_BYTES} to {@link
     *     RockOptions#MAX_BUFFER_BYTES}
     * @return this builder
     */
    public Builder maxWindow(int byteCount) {
      maxWindow = byteCount;
      maxWindowSet = true;
      return this;
    }

    /**
     * Sets the listeners installed on every rock built with these options; {@link #build()} keeps
     * a copy.
     *
     * @param value the listeners, not null and without null elements; empty for none
     * @return this builder
     */
    public Builder listeners(List<RockListener> value) {
      listeners = value;
      return this;
    }

    /**
     * Sets the pre-shared secret; see {@link RockOptions#preSharedSecret()}.
     *
     * @param secret the secret, or null to remove it
     * @return this builder
     */
    public Builder preSharedSecret(RockSecret secret) {
      preSharedSecret = secret;
      return this;
    }

    /**
     * Runs the underlying connections over TLS from {@code context}; see {@link
     * RockOptions#tls()}.
     *
     * @param context the TLS context, or null for plain TCP
     * @return this builder
     */
    public Builder tls(SSLContext context) {
      tls = context;
      return this;
    }

    /**
     * Sets, for a server socket with TLS, whether clients must present a trusted certificate; see
     * {@link RockOptions#tlsClientAuth()}.
     *
     * @param value the client authentication mode, not null
     * @return this builder
     */
    public Builder tlsClientAuth(RockClientAuth value) {
      tlsClientAuth = value;
      return this;
    }

    /**
     * Sets, for a server socket, how many suspended rocks it holds at most; see {@link
     * RockOptions#maxSuspendedRocks()}.
     *
     * @param count at least 1
     * @return this builder
     */
    public Builder maxSuspendedRocks(int count) {
      maxSuspendedRocks = count;
      return this;
    }

    /**
     * Sets how a connection finds out whether its peer speaks rocks; see {@link
     * RockOptions#detection()}.
     *
     * @param value the detection mode, not null
     * @return this builder
     */
    public Builder detection(RockDetection value) {
      detection = value;
      return this;
    }

    /**
     * Sets how long detection waits before it decides the peer is plain; see {@link
     * RockOptions#detectTimeout()}.
     *
     * @param value a positive duration
     * @return this builder
     */
    public Builder detectTimeout(Duration value) {
      detectTimeout = value;
      return this;
    }

    /**
     * Sets how long a client remembers whether an endpoint is a rock or plain; see {@link
     * RockOptions#detectCacheTtl()}.
     *
     * @param value a positive duration
     * @return this builder
     */
    public Builder detectCacheTtl(Duration value) {
      detectCacheTtl = value;
      return this;
    }

    /**
     * Sets how long a rock goes without application data in either direction before it enters
     * idle mode; see {@link RockOptions#idleAfter()}.
     *
     * @param value a positive duration
     * @return this builder
     */
    public Builder idleAfter(Duration value) {
      idleAfter = value;
      return this;
    }

    /**
     * Sets the heartbeat interval in idle mode; see {@link RockOptions#idleHeartbeatInterval()}.
     *
     * @param value a positive duration; one shorter than the heartbeat interval means that interval
     * @return this builder
     */
    public Builder idleHeartbeatInterval(Duration value) {
      idleHeartbeatInterval = value;
      return this;
    }

    /**
     * Sets whether the underlying TCP connections use the kernel's keepalive in idle mode; see
     * {@link RockOptions#tcpKeepAlive()}.
     *
     * @param enabled true to use TCP keepalive in idle mode
     * @return this builder
     */
    public Builder tcpKeepAlive(boolean enabled) {
      tcpKeepAlive = enabled;
      return this;
    }

    /**
     * Returns options holding the values set on this builder, which stays usable.
     *
     * @return new options
     * @throws IllegalArgumentException naming an option whose value is out of range, or the two
     *     options that contradict each other (such as a backoff cap shorter than the initial
     *     backoff)
     * @throws NullPointerException naming an option that is null or, on a builder from {@link
     *     RockOptions#emptyBuilder()}, was never set
     */
    public RockOptions build() {
      return new RockOptions(this);
    }
  }
}
