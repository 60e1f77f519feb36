package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.rocks.RockOptions;
import io.rocks.RockSocket;
import io.rocks.RockState;
import io.rocks.policy.RocksPolicy;
import io.rocks.testkit.Await;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

/**
 * Log levels fit an operator of thousands of rocks: a rock's routine suspension and resumption, and
 * what detection found at an endpoint, are DEBUG, so a server logging at INFO writes nothing per
 * rock while its clients' links come and go.
 */
class LogLevelsTest {
  /** Records every line the {@code io.rocks} loggers write, at DEBUG and above, while it is open. */
  private static final class Recorder implements AutoCloseable {
    final List<String> logged = new CopyOnWriteArrayList<>();
    private final AbstractAppender appender;
    private final LoggerConfig rocks;
    private final Level before;

    Recorder() {
      appender = new AbstractAppender("LogLevelsTest", null, null, true, Property.EMPTY_ARRAY) {
        @Override
        public void append(LogEvent event) {
          logged.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
        }
      };
      appender.start();
      LoggerContext context = (LoggerContext) LogManager.getContext(false);
      rocks = context.getConfiguration().getLoggerConfig("io.rocks");
      before = rocks.getLevel();
      rocks.addAppender(appender, Level.DEBUG, null);
      Configurator.setLevel("io.rocks", Level.DEBUG);
    }

    @Override
    public void close() {
      rocks.removeAppender("LogLevelsTest");
      Configurator.setLevel("io.rocks", before);
      appender.stop();
    }
  }

  @Test
  void aSuspensionAndResumptionLogNothingAtInfo() throws Exception {
    try (Recorder recorder = new Recorder(); RockPair pair = new RockPair(RockOptions.defaults())) {
      List<String> logged = recorder.logged;
      String client = pair.clientRock().id().toString();
      pair.relay.reset();
      Await.until(Duration.ofSeconds(20), "both sides resumed",
          () -> pair.clientRock().stats().suspensions() == 1 && pair.clientRock().state() == RockState.CONNECTED
              && pair.serverRock().stats().suspensions() == 1 && pair.serverRock().state() == RockState.CONNECTED);
      Await.until(Duration.ofSeconds(10), () -> "both resumptions logged: " + logged,
          () -> logged.stream().filter(line -> line.startsWith("DEBUG rock " + client + " resumed with ")).count() == 2);
      List<String> aboutTheRock = logged.stream().filter(line -> line.contains(client)).toList();
      assertEquals(List.of(), aboutTheRock.stream().filter(line -> !line.startsWith("DEBUG ")).toList(), logged::toString);
      assertEquals(2, aboutTheRock.stream().filter(line -> line.matches("DEBUG rock " + client + " (to|from) \\S+ suspended: .*")).count(),
          logged::toString);
    }
  }

  @Test
  void theDetectionVerdictForAPlainServerIsDebug() throws Exception {
    RealRocksProvider provider = new RealRocksProvider(RocksPolicy.parse("rocks.detect-timeout = 200 ms", "test.conf"));
    try (Recorder recorder = new Recorder();
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + silent.getLocalPort();
      try (Socket socket = provider.connect("127.0.0.1", silent.getLocalPort())) {
        assertFalse(socket instanceof RockSocket, "a silent server is plain");
      }
      List<String> aboutTheServer = recorder.logged.stream().filter(line -> line.contains(address)).toList();
      assertEquals(List.of("DEBUG " + address + " answered the rock handshake with something else, or nothing:"
          + " connecting plain (remembered for PT10M)"), aboutTheServer, recorder.logged::toString);
    }
  }
}
