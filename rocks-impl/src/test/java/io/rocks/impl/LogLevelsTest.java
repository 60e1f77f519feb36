package io.rocks.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rocks.RockOptions;
import io.rocks.RockState;
import io.rocks.testkit.Await;
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
 * Log levels fit an operator of thousands of rocks: a rock's routine suspension and resumption are
 * DEBUG, so a server logging at INFO writes nothing per rock while its clients' links come and go.
 */
class LogLevelsTest {
  @Test
  void aSuspensionAndResumptionLogNothingAtInfo() throws Exception {
    List<String> logged = new CopyOnWriteArrayList<>();
    AbstractAppender appender = new AbstractAppender("LogLevelsTest", null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        logged.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
      }
    };
    appender.start();
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    LoggerConfig rocks = context.getConfiguration().getLoggerConfig("io.rocks");
    Level before = rocks.getLevel();
    rocks.addAppender(appender, Level.DEBUG, null);
    Configurator.setLevel("io.rocks", Level.DEBUG);
    try (RockPair pair = new RockPair(RockOptions.defaults())) {
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
    } finally {
      rocks.removeAppender("LogLevelsTest");
      Configurator.setLevel("io.rocks", before);
      appender.stop();
    }
  }
}
