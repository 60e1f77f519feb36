package io.rocks.agenttests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from the Debian packages ({@code /usr/lib/postgresql/VERSION/bin}),
 * made for one test in a temporary directory, listening on 127.0.0.1 with trust authentication for
 * the user {@code rocks}. As root it runs as the {@code postgres} user, as PostgreSQL requires.
 * Closing stops it (immediate mode) and deletes its directory.
 */
final class Postgres implements AutoCloseable {
  static final String USER = "rocks";

  private final Path bin;
  private final Path data;
  private final int port;
  private final boolean asPostgres;

  private Postgres(Path bin, Path data, int port, boolean asPostgres) {
    this.bin = bin;
    this.data = data;
    this.port = port;
    this.asPostgres = asPostgres;
  }

  /** Returns the newest installed PostgreSQL's bin directory, or null if none is installed. */
  static Path installed() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("postgres")) && Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))))
          .orElse(null);
    }
  }

  static Postgres start(Path bin) throws IOException, InterruptedException {
    boolean root = "root".equals(System.getProperty("user.name"));
    Path data = Files.createTempDirectory(Path.of("/tmp"), "rocks-pg-");
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Postgres pg = new Postgres(bin, data, port, root);
    try {
      if (root) {
        run(List.of("chown", "postgres", data.toString()), Duration.ofSeconds(10));
      }
      pg.runAs(Duration.ofSeconds(120), bin.resolve("initdb").toString(), "-D", data.resolve("db").toString(),
          "-U", USER, "-A", "trust", "--no-sync", "-E", "UTF8");
      pg.runAs(Duration.ofSeconds(60), bin.resolve("pg_ctl").toString(), "-D", data.resolve("db").toString(),
          "-l", data.resolve("server.log").toString(), "-w", "-t", "50",
          "-o", "-p " + port + " -k " + data + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
      return pg;
    } catch (IOException | InterruptedException | RuntimeException e) {
      pg.close();
      throw e;
    }
  }

  int port() {
    return port;
  }

  String url(String host, int port, String extra) {
    return "jdbc:postgresql://" + host + ":" + port + "/postgres?user=" + USER + extra;
  }

  private void runAs(Duration limit, String... command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(List.of(command));
    run(full, limit);
  }

  private static void run(List<String> command, Duration limit) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output;
    try (var in = process.getInputStream()) {
      output = in.readAllBytes();
    }
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " took longer than " + limit);
    }
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ":\n"
          + new String(output, java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  @Override
  public void close() {
    try {
      if (Files.exists(data.resolve("db").resolve("postmaster.pid"))) {
        runAs(Duration.ofSeconds(30), bin.resolve("pg_ctl").toString(), "-D", data.resolve("db").toString(),
            "-m", "immediate", "-w", "stop");
      }
    } catch (IOException | InterruptedException e) {
      System.err.println("stopping PostgreSQL: " + e.getMessage());
    } finally {
      try (Stream<Path> files = Files.walk(data)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a temporary directory
      }
    }
  }
}
