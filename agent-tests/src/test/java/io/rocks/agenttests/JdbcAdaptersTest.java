package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import eu.rekawek.toxiproxy.Proxy;
import io.rocks.Rocks;
import io.rocks.RocksSocketFactory;
import io.rocks.RocksTotals;
import io.rocks.chaos.Toxi;
import io.rocks.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one-line adapters for JDBC, as README shows them, against a real PostgreSQL server behind
 * {@code rocks front}, through Toxiproxy: the PostgreSQL driver's {@code socketFactory} connection
 * property, and the same property given to a HikariCP pool. Queries carry on across cuts with exact
 * checksums, and no connection is replaced: the pool never sees one fail.
 */
class JdbcAdaptersTest {
  private static final int ROWS = 200_000;
  private static final Duration STEP = Duration.ofSeconds(30);
  private static final String FACTORY = "&socketFactory=" + RocksSocketFactory.class.getName();

  @Test
  @Timeout(300)
  void theDriversSocketFactoryPropertyMakesItsConnectionARockThatOutlivesCuts() throws Exception {
    try (Postgres pg = Postgres.start(TestPrograms.postgres());
        Front front = Front.start("adapter-front", pg.port());
        Proxies proxies = Proxies.start("jdbc-adapter")) {
      Proxy proxy = proxies.toxi.createProxy("postgres", new InetSocketAddress("127.0.0.1", front.port));
      InetSocketAddress via = Toxi.listenAddress(proxy);
      RocksTotals before = Rocks.monitor().totals();
      try (Connection connection = DriverManager.getConnection(pg.url(via.getAddress().getHostAddress(), via.getPort(), FACTORY))) {
        assertEquals(before.established() + 1, Rocks.monitor().totals().established(), "the driver's connection is a rock");
        int[] cuts = {0};
        String sha = query(connection, ROWS, rows -> {
          if (rows % 40_000 == 0 && rows < ROWS) {
            cut(proxies.toxi, proxy, before, ++cuts[0]);
          }
        });
        assertEquals(JdbcAcrossCutsTest.expectedSha256(ROWS), sha);
        assertEquals(4, cuts[0]);
        RocksTotals after = Rocks.monitor().totals();
        assertEquals(before.established() + 1, after.established(), "no new connection was made");
      }
    }
  }

  @Test
  @Timeout(300)
  void aHikariPoolWithTheSocketFactoryPropertyKeepsItsConnectionsAcrossCuts() throws Exception {
    try (Postgres pg = Postgres.start(TestPrograms.postgres());
        Front front = Front.start("pool-front", pg.port());
        Proxies proxies = Proxies.start("jdbc-pool")) {
      Proxy proxy = proxies.toxi.createProxy("postgres", new InetSocketAddress("127.0.0.1", front.port));
      InetSocketAddress via = Toxi.listenAddress(proxy);
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(pg.url(via.getAddress().getHostAddress(), via.getPort(), ""));
      config.addDataSourceProperty("socketFactory", RocksSocketFactory.class.getName());
      config.setMaximumPoolSize(3);
      config.setMinimumIdle(3);
      RocksTotals before = Rocks.monitor().totals();
      try (HikariDataSource pool = new HikariDataSource(config)) {
        Await.until(STEP, "the pool holds 3 connections", () -> pool.getHikariPoolMXBean().getTotalConnections() == 3);
        long pooled = Rocks.monitor().totals().established() - before.established();
        assertEquals(3, pooled, "each pooled connection is a rock");
        String expected = JdbcAcrossCutsTest.expectedSha256(ROWS / 4);
        for (int round = 1; round <= 3; round++) {
          List<CompletableFuture<String>> queries = new ArrayList<>();
          for (int i = 0; i < 3; i++) {
            queries.add(CompletableFuture.supplyAsync(() -> {
              try (Connection c = pool.getConnection()) {
                return query(c, ROWS / 4, rows -> {});
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }, Thread.ofVirtual()::start));
          }
          long resumesBefore = Rocks.monitor().totals().resumes();
          proxies.toxi.disable(proxy);
          proxies.toxi.enable(proxy);
          for (CompletableFuture<String> q : queries) {
            assertEquals(expected, q.get(60, TimeUnit.SECONDS), "a query in round " + round);
          }
          Await.until(STEP, "the pool's rocks resumed", () -> Rocks.monitor().totals().resumes() >= resumesBefore + 3);
        }
        assertEquals(3, Rocks.monitor().totals().established() - before.established(),
            "the pool made no new connection: it never saw one fail");
        assertEquals(3, pool.getHikariPoolMXBean().getTotalConnections());
      }
    }
  }

  private interface Progress {
    void rows(int rows) throws Exception;
  }

  /** Cuts every connection through {@code proxy} and waits for the {@code cut}-th resume since {@code before}. */
  private static void cut(Toxi toxi, Proxy proxy, RocksTotals before, int cut) throws Exception {
    toxi.disable(proxy);
    toxi.enable(proxy);
    Await.until(STEP, "resume " + cut, () -> Rocks.monitor().totals().resumes() >= before.resumes() + cut);
  }

  /** Runs the query of {@link JdbcAcrossCutsTest} on {@code connection}; returns its checksum. */
  static String query(Connection connection, int rows, Progress progress) throws Exception {
    connection.setAutoCommit(false);
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    int read = 0;
    try (PreparedStatement query =
        connection.prepareStatement("SELECT i, md5(i::text) FROM generate_series(1, ?) AS i ORDER BY i")) {
      query.setLong(1, rows);
      query.setFetchSize(1000);
      try (ResultSet result = query.executeQuery()) {
        while (result.next()) {
          sha256.update((result.getLong(1) + "," + result.getString(2) + "\n").getBytes(StandardCharsets.US_ASCII));
          progress.rows(++read);
        }
      }
    }
    connection.commit();
    assertEquals(rows, read);
    return HexFormat.of().formatHex(sha256.digest());
  }
}
