package io.rocks.agenttests;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code rocks front} in a JVM of its own, in front of a plain server on 127.0.0.1. */
final class Front implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("front listening on 127\\.0\\.0\\.1:(\\d+)");

  final Program program;
  final int port;

  private Front(Program program, int port) {
    this.program = program;
    this.port = port;
  }

  static Front start(String name, int targetPort) throws IOException, TimeoutException, InterruptedException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Program program = Program.startJava(name, List.of(), classPath, "io.rocks.cli.RocksCommand", "front",
        "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + targetPort, "--status-interval", "0");
    try {
      program.awaitCount("front listening on", 1, Duration.ofSeconds(60));
      for (String line : program.stderrLines()) {
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          return new Front(program, Integer.parseInt(m.group(1)));
        }
      }
      throw new IOException(name + " did not say where it listens" + program.tail());
    } catch (IOException | TimeoutException | InterruptedException | RuntimeException e) {
      program.close();
      throw e;
    }
  }

  @Override
  public void close() {
    program.close();
  }
}
