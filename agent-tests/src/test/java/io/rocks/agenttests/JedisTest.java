package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import eu.rekawek.toxiproxy.Proxy;
import io.rocks.Rocks;
import io.rocks.RocksTotals;
import io.rocks.chaos.Toxi;
import io.rocks.testkit.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Jedis with its socket from {@code Rocks.connect} (its {@code JedisSocketFactory}, as README shows),
 * against a real redis-server behind {@code rocks front}, through Toxiproxy cut every 200 commands:
 * every SET lands once and every GET answers its exact value, on one connection.
 */
class JedisTest {
  private static final int KEYS = 1000;
  private static final Duration STEP = Duration.ofSeconds(30);

  @Test
  @Timeout(300)
  void jedisOnARockKeepsItsConnectionAcrossCuts() throws Exception {
    try (RedisServer redis = RedisServer.start(TestPrograms.redisServer());
        Front front = Front.start("redis-front", redis.port);
        Proxies proxies = Proxies.start("jedis")) {
      Proxy proxy = proxies.toxi.createProxy("redis", new InetSocketAddress("127.0.0.1", front.port));
      InetSocketAddress via = Toxi.listenAddress(proxy);
      String host = via.getAddress().getHostAddress();
      int port = via.getPort();
      RocksTotals before = Rocks.monitor().totals();
      // README's example:
      try (Jedis jedis = new Jedis(() -> {
        try {
          return Rocks.connect(host, port);
        } catch (IOException e) {
          throw new JedisConnectionException(e);
        }
      })) {
        int cuts = 0;
        for (int i = 0; i < KEYS; i++) {
          assertEquals("OK", jedis.set(key(i), value(i)));
          if (i % 200 == 199 && i < KEYS - 1) {
            proxies.toxi.disable(proxy);
            proxies.toxi.enable(proxy);
            cuts++;
            int expected = cuts;
            Await.until(STEP, "resume " + cuts, () -> Rocks.monitor().totals().resumes() - before.resumes() >= expected);
          }
        }
        for (int i = 0; i < KEYS; i++) {
          assertArrayEquals(value(i), jedis.get(key(i)), "value " + i);
        }
        assertEquals(KEYS, jedis.dbSize());
        RocksTotals after = Rocks.monitor().totals();
        assertEquals(1, after.established() - before.established(), "one rock, never replaced");
        assertEquals(cuts, after.resumes() - before.resumes(), "one resume per cut");
        assertEquals(4, cuts);
      }
    }
  }

  private static byte[] key(int i) {
    return ("key:" + i).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] value(int i) {
    byte[] value = new byte[1 + new SplittableRandom(i).nextInt(16384)];
    new SplittableRandom(i * 31L + 7).nextBytes(value);
    return value;
  }
}
