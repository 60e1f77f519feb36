package io.rocks.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eu.rekawek.toxiproxy.ToxiproxyClient;
import io.rocks.testkit.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The chaos harness itself: bounded calls to a stuck server, and finding the server binary. */
class HarnessTest {

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aStuckToxiproxyFailsTheCallInsteadOfHangingIt() throws Exception {
    try (ServerSocket stuck = new ServerSocket()) {
      stuck.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      AtomicBoolean callerGaveUp = new AtomicBoolean();
      Thread acceptor =
          Thread.ofVirtual()
              .start(
                  () -> {
                    // Accept the request and never answer it; see the caller hang up.
                    try (Socket socket = stuck.accept(); InputStream in = socket.getInputStream()) {
                      while (in.read() >= 0) {
                        // Drain the request.
                      }
                      callerGaveUp.set(true);
                    } catch (IOException e) {
                      callerGaveUp.set(true);
                    }
                  });
      ToxiproxyClient client = new ToxiproxyClient("127.0.0.1", stuck.getLocalPort());
      long start = System.nanoTime();
      TimeoutException timeout =
          assertThrows(
              TimeoutException.class,
              () -> TimeLimit.call(Duration.ofMillis(500), "list proxies", client::getProxies));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(timeout.getMessage().contains("list proxies"), timeout.getMessage());
      assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "gave up after " + took.toMillis() + " ms");
      // The abandoned call does not linger: its thread was interrupted and its connection closed.
      Await.until(Duration.ofSeconds(10), "the stuck call's connection closed", callerGaveUp::get);
      acceptor.join(Duration.ofSeconds(5));
    }
  }

  @Test
  void aFailingCallReportsItsOwnError() {
    IOException error =
        assertThrows(
            IOException.class,
            () -> TimeLimit.run(Duration.ofSeconds(5), "create proxy x", () -> {
              throw new IOException("409 conflict");
            }));
    assertEquals("create proxy x: 409 conflict", error.getMessage());
  }

  @Test
  void aMissingServerBinarySaysHowToInstallIt(@TempDir Path repo) throws Exception {
    Files.createDirectory(repo.resolve(".git"));
    Path module = Files.createDirectory(repo.resolve("chaos-tests"));
    IOException missing = assertThrows(IOException.class, () -> ToxiproxyServer.locateBinary(module, ""));
    assertTrue(missing.getMessage().contains("scripts/install-toxiproxy"), missing.getMessage());
    assertTrue(missing.getMessage().contains(repo.resolve(".tools/bin/toxiproxy-server").toString()), missing.getMessage());
  }

  @Test
  void theServerBinaryIsFoundOnPathFirstThenInTheRepositoryTools(@TempDir Path root) throws Exception {
    Path repo = Files.createDirectory(root.resolve("repo"));
    Files.createDirectory(repo.resolve(".git"));
    Path module = Files.createDirectory(repo.resolve("chaos-tests"));
    Path tools = Files.createDirectories(repo.resolve(".tools/bin"));
    Path built = executable(tools.resolve(ToxiproxyServer.BINARY));
    assertEquals(built, ToxiproxyServer.locateBinary(module, ""));

    Path onPath = executable(Files.createDirectory(root.resolve("bin")).resolve(ToxiproxyServer.BINARY));
    assertEquals(onPath, ToxiproxyServer.locateBinary(module, root.resolve("bin").toString()));
  }

  private static Path executable(Path file) throws IOException {
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
