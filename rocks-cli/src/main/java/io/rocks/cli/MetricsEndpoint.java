package io.rocks.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.rocks.micrometer.RocksMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code rocks serve --metrics HOST:PORT}: the process's rocks ({@link RocksMetrics}) and the JVM's
 * memory, threads, CPU and uptime, in Prometheus's text format at {@code http://HOST:PORT/metrics}.
 *
 * <p>Runs the JDK's HTTP server with a virtual thread per request; a scrape reads the rocks'
 * counters without waiting on any rock's I/O ({@link io.rocks.RocksMonitor}).
 */
final class MetricsEndpoint implements AutoCloseable {
  /** What Prometheus asks for and gets: the text exposition format, version 0.0.4. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService requests;
  private final RocksMetrics rocks;

  private MetricsEndpoint(HttpServer server, ExecutorService requests, RocksMetrics rocks) {
    this.server = server;
    this.requests = requests;
    this.rocks = rocks;
  }

  /** Binds {@code listen} and serves {@code /metrics} until {@link #close}. */
  static MetricsEndpoint start(Endpoint listen) throws CliException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RocksMetrics rocks = new RocksMetrics();
    rocks.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(listen.host()), listen.port()), 16);
    } catch (IOException e) {
      rocks.close();
      throw new CliException(ExitCode.ERROR, "cannot serve metrics on " + listen + ": " + Links.Format.cause(e), e);
    }
    ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(requests);
    server.createContext("/", exchange -> answer(exchange, registry));
    server.start();
    return new MetricsEndpoint(server, requests, rocks);
  }

  private static void answer(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!path.equals("/metrics")) {
        send(exchange, 404, "text/plain; charset=utf-8", "not found: the metrics are at /metrics\n");
      } else if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
      } else {
        send(exchange, 200, CONTENT_TYPE, registry.scrape());
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** The address the endpoint listens on (its port, where 0 was asked). */
  InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    server.stop(0);
    requests.shutdownNow();
    rocks.close();
  }
}
