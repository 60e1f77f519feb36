package io.rocks.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rocks.RockSocket;
import io.rocks.Rocks;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code rocks front}: every rock is carried to the one target, from its first byte. */
class FrontTest {
  @Test
  @Timeout(60)
  void aRockThroughTheFrontReachesThePlainServerFromItsFirstByte() throws Exception {
    try (Cli.EchoServer echo = new Cli.EchoServer()) {
      Gateway front = front(Endpoint.parse(Cli.loopback(echo.port())));
      try (RockSocket rock = Rocks.connectRock(front.address(), Cli.quickOptions())) {
        byte[] input = new byte[2_000_000];
        new Random(11).nextBytes(input);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
          try {
            rock.getOutputStream().write(input);
            rock.shutdownOutput();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }, Thread.ofVirtual()::start);
        byte[] echoed = rock.getInputStream().readAllBytes();
        writer.get(30, TimeUnit.SECONDS);
        assertArrayEquals(input, echoed, "the echo server got the rock's bytes from the first, with no request line");
      } finally {
        front.close();
      }
    }
  }

  @Test
  @Timeout(60)
  void aRockIsResetWhenTheTargetRefusesAndTheFrontSaysWhy() throws Exception {
    int closed = Cli.closedPort();
    Display.Log display = new Display.Log();
    Gateway front = Gateway.front(Endpoint.parseListen("127.0.0.1:0"), Endpoint.parse(Cli.loopback(closed)),
        Cli.quickOptions(), display);
    front.start();
    try (RockSocket rock = Rocks.connectRock(front.address(), Cli.quickOptions())) {
      InputStream in = rock.getInputStream();
      IOException e = assertThrows(IOException.class, in::read, "the rock is aborted, as a refused connection is reset");
      assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), e.toString());
    } finally {
      front.close();
    }
  }

  @Test
  void frontNeedsATarget() {
    Cli.Result result = Cli.run("front", "--listen", "127.0.0.1:0");
    assertEquals(ExitCode.USAGE, result.exit(), result::toString);
    assertTrue(result.err().contains("--to=HOST:PORT"), result.err());
  }

  private static Gateway front(Endpoint target) throws CliException {
    Gateway g = Gateway.front(Endpoint.parseListen("127.0.0.1:0"), target, Cli.quickOptions(), new Display.Log());
    g.start();
    return g;
  }

}
