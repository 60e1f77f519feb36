package io.rocks.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockRefusal;
import io.rocks.RockState;
import io.rocks.Rocks;
import io.rocks.RocksMonitor;
import io.rocks.RocksTotals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Publishes what the rocks of this process do as Micrometer meters. Bind it to a registry once:
 *
 * <pre>{@code
 * RocksMetrics metrics = new RocksMetrics();
 * metrics.bindTo(registry);   // Prometheus, OTLP, JMX, ...
 * }</pre>
 *
 * <p>The meters, with their names in Prometheus's format:
 *
 * <ul>
 *   <li>{@code rocks.live} (gauge, tag {@code state}: connecting, connected, suspended, closing):
 *       rocks not yet ended, by state — {@code rocks_live}.
 *   <li>{@code rocks.established}, {@code rocks.suspensions}, {@code rocks.resumes}, {@code
 *       rocks.reconnect.attempts.failed} (counters) — {@code rocks_established_total}, ...
 *   <li>{@code rocks.ended} (counter, tag {@code outcome}: closed, failed).
 *   <li>{@code rocks.stream} (counter in bytes, tag {@code direction}: written, acknowledged,
 *       received, retransmitted): application bytes of every rock, ended or not — {@code
 *       rocks_stream_bytes_total}.
 *   <li>{@code rocks.refusals} (counter, tags {@code kind}: handshake, resume; {@code reason}: see
 *       {@link RockRefusal}): what this process refused as the accepting side.
 *   <li>{@code rocks.resume.latency} (timer with a histogram, buckets from 10 ms to 30 min): how
 *       long each resumed rock was suspended, from the failure's detection to the resume — {@code
 *       rocks_resume_latency_seconds_bucket}, ...
 * </ul>
 *
 * <p>The gauges and counters read {@link Rocks#monitor()} when the registry asks (a scrape); the
 * totals are read once for all counters of one scrape (they are kept for 100 ms), which costs about
 * a microsecond per live rock. The timer is fed by a listener of every rock; {@link #close} removes
 * it.
 */
public final class RocksMetrics implements MeterBinder, AutoCloseable {
  private static final long TOTALS_KEPT_NANOS = Duration.ofMillis(100).toNanos();
  /**
   * The resume-latency histogram's buckets: from a reset noticed at once (tens of milliseconds) to
   * a silent cut (the detection time, 1.5 s by default) to outages of minutes.
   */
  private static final Duration[] RESUME_BUCKETS = {
    Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
    Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
    Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
    Duration.ofMinutes(30)
  };

  private final RocksMonitor monitor;
  private final Tags tags;
  private final List<RockListener> listeners = new ArrayList<>();
  private final Object totalsLock = new Object();
  /** The last totals read and when; guarded by {@link #totalsLock}. */
  private RocksTotals totals;

  private long totalsReadAt;

  /** Binds the rocks of this process ({@link Rocks#monitor()}), without extra tags. */
  public RocksMetrics() {
    this(Rocks.monitor(), Tags.empty());
  }

  /**
   * Binds the rocks {@code monitor} sees, adding {@code tags} to every meter.
   *
   * @param monitor the rocks to publish, usually {@link Rocks#monitor()}
   * @param tags tags added to every meter, for example the service's name
   */
  public RocksMetrics(RocksMonitor monitor, Iterable<Tag> tags) {
    this.monitor = Objects.requireNonNull(monitor, "monitor");
    this.tags = Tags.of(tags);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (RockState state : RockState.values()) {
      if (state.isTerminal()) {
        continue; // ended rocks are counted by rocks.ended
      }
      Gauge.builder("rocks.live", monitor, m -> m.rocksByState().get(state))
          .tags(tags)
          .tag("state", lower(state))
          .description("Rocks not yet ended, by state")
          .register(registry);
    }
    counter(registry, "rocks.established", "Rocks that completed their handshake", null, RocksTotals::established);
    counter(registry, "rocks.suspensions", "Times a rock suspended", null, RocksTotals::suspensions);
    counter(registry, "rocks.resumes", "Times a suspended rock resumed", null, RocksTotals::resumes);
    counter(registry, "rocks.reconnect.attempts.failed", "Reconnection attempts that failed", null,
        RocksTotals::reconnectAttemptsFailed);
    counterTagged(registry, "rocks.ended", "Rocks that ended, by outcome", "outcome", "closed", null, RocksTotals::closed);
    counterTagged(registry, "rocks.ended", "Rocks that ended, by outcome", "outcome", "failed", null, RocksTotals::failed);
    String stream = "Application bytes of every rock";
    counterTagged(registry, "rocks.stream", stream, "direction", "written", "bytes", RocksTotals::bytesWritten);
    counterTagged(registry, "rocks.stream", stream, "direction", "acknowledged", "bytes", RocksTotals::bytesAcknowledged);
    counterTagged(registry, "rocks.stream", stream, "direction", "received", "bytes", RocksTotals::bytesReceived);
    counterTagged(registry, "rocks.stream", stream, "direction", "retransmitted", "bytes", RocksTotals::bytesRetransmitted);
    for (RockRefusal reason : RockRefusal.values()) {
      FunctionCounter.builder("rocks.refusals", monitor, m -> m.refusals().get(reason))
          .tags(tags)
          .tag("kind", lower(reason.kind()))
          .tag("reason", lower(reason))
          .description("Handshakes and resumes this process refused, by reason")
          .register(registry);
    }
    Timer resumeLatency =
        Timer.builder("rocks.resume.latency")
            .tags(tags)
            .description("How long each resumed rock was suspended")
            .serviceLevelObjectives(RESUME_BUCKETS)
            .register(registry);
    RockListener timing =
        new RockListener() {
          @Override
          public void resumed(Rock rock, Duration suspendedFor, long bytesRetransmitted) {
            resumeLatency.record(suspendedFor);
          }
        };
    synchronized (listeners) {
      listeners.add(timing);
    }
    monitor.addListener(timing);
  }

  /** Stops feeding the resume-latency timers of every registry this was bound to. */
  @Override
  public void close() {
    synchronized (listeners) {
      for (RockListener listener : listeners) {
        monitor.removeListener(listener);
      }
      listeners.clear();
    }
  }

  private void counter(MeterRegistry registry, String name, String description, String unit,
      ToDoubleFunction<RocksTotals> value) {
    // The meter holds its object weakly and its function strongly: the function, not the
    // object, keeps this binder alive, so `new RocksMetrics().bindTo(registry)` goes on counting.
    FunctionCounter.builder(name, monitor, m -> value.applyAsDouble(totals()))
        .tags(tags)
        .baseUnit(unit)
        .description(description)
        .register(registry);
  }

  private void counterTagged(MeterRegistry registry, String name, String description, String tag,
      String tagValue, String unit, ToDoubleFunction<RocksTotals> value) {
    // The meter holds its object weakly and its function strongly: the function, not the
    // object, keeps this binder alive, so `new RocksMetrics().bindTo(registry)` goes on counting.
    FunctionCounter.builder(name, monitor, m -> value.applyAsDouble(totals()))
        .tags(tags)
        .tag(tag, tagValue)
        .baseUnit(unit)
        .description(description)
        .register(registry);
  }

  /** The monitor's totals, read at most once per 100 ms: one scrape reads them once. */
  private RocksTotals totals() {
    synchronized (totalsLock) {
      long now = System.nanoTime();
      if (totals == null || now - totalsReadAt > TOTALS_KEPT_NANOS) {
        totals = monitor.totals();
        totalsReadAt = now;
      }
      return totals;
    }
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
