package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eu.rekawek.toxiproxy.Proxy;
import io.rocks.chaos.Toxi;
import io.rocks.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Timeout;

/**
 * An unmodified JDBC program (the PostgreSQL driver, fetching a long query's rows from a cursor)
 * run with only {@code -javaagent} added, against a real PostgreSQL server behind {@code rocks
 * front}, through Toxiproxy, which drops every connection again each time 40,000 more rows have
 * arrived. The query's checksum is exact, the program sees no exception, and its rock resumed once
 * per cut. On Java 21 and on the JDK running the tests.
 */
class JdbcAcrossCutsTest {
  private static final int ROWS = 400_000;
  private static final Duration STEP = Duration.ofSeconds(30);

  @ParameterizedTest(name = "on Java {0}")
  @MethodSource("io.rocks.agenttests.Jdks#versions")
  @Timeout(300)
  void aLongQueryOfAnUnmodifiedJdbcProgramCarriesOnAcrossCuts(int feature) throws Exception {
    Path home = Jdks.home(feature);
    Path bin = TestPrograms.postgres();
    try (Postgres pg = Postgres.start(bin);
        Front front = Front.start("jdbc-front", pg.port());
        Proxies proxies = Proxies.start("jdbc-cuts")) {
      Proxy proxy = proxies.toxi.createProxy("postgres", new InetSocketAddress("127.0.0.1", front.port));
      InetSocketAddress via = Toxi.listenAddress(proxy);
      String url = pg.url(via.getAddress().getHostAddress(), via.getPort(), "");
      try (Program query = Program.startJava("jdbc-query-" + feature, home, Program.agent(null),
          Program.CLASSES + java.io.File.pathSeparator + driverJar(), "example.JdbcQuery", url, String.valueOf(ROWS))) {
        int cuts = 0;
        while (true) {
          int progress = query.count("rows ");
          Await.until(STEP, "40,000 more rows arrive or the query ends" + query.tail(),
              () -> !query.isAlive() || query.count("rows ") >= progress + 2);
          if (!query.isAlive() || query.count("rows ") >= ROWS / 20_000 - 1) {
            break;
          }
          proxies.toxi.disable(proxy);
          proxies.toxi.enable(proxy);
          cuts++;
          query.awaitCount(EchoAcrossCutsTest.RESUMED, cuts, STEP);
        }
        assertEquals(0, query.awaitExit(STEP), "exit code" + query.tail());
        assertEquals("rows " + ROWS + " sha256 " + expectedSha256(ROWS) + "\n", query.stdoutText());
        assertEquals(1, query.count("is a rocks server"), "the driver's connection became a rock" + query.tail());
        assertTrue(cuts >= 5, "the query went on across at least 5 cuts, not " + cuts);
        assertEquals(cuts, query.count(EchoAcrossCutsTest.RESUMED), "resumed once per cut" + query.tail());
        assertEquals(0, query.count("EXCEPTION"), "exceptions" + query.tail());
        assertTrue(front.program.isAlive(), "rocks front runs" + front.program.tail());
        System.out.printf("JDBC query on Java %d: %d rows across %d cuts%n", feature, ROWS, cuts);
      }
    }
  }

  /** The PostgreSQL driver's jar, for the program's class path. */
  static String driverJar() throws Exception {
    return Path.of(org.postgresql.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  /** The SHA-256 of the lines {@code i,md5(i)} for i from 1 to {@code rows}. */
  static String expectedSha256(int rows) throws Exception {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    HexFormat hex = HexFormat.of();
    for (int i = 1; i <= rows; i++) {
      String text = Integer.toString(i);
      String line = text + "," + hex.formatHex(md5.digest(text.getBytes(StandardCharsets.US_ASCII))) + "\n";
      sha256.update(line.getBytes(StandardCharsets.US_ASCII));
    }
    return hex.formatHex(sha256.digest());
  }

}
