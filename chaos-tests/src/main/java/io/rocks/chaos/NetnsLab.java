package io.rocks.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two network namespaces made for one test, a client host and a server host, joined by a veth
 * pair, with addresses that exist only inside them (for the chaos tests and the agent's). {@link #close} deletes both namespaces, which
 * also removes the veth pair; a shutdown hook does the same if the JVM ends first.
 *
 * <pre>
 *   [rocks-c-PID-N]  veth-c 10.213.0.2/24  <----->  veth-s 10.213.0.1/24  [rocks-s-PID-N]
 * </pre>
 */
public final class NetnsLab implements AutoCloseable {
  public static final String CLIENT_DEV = "veth-c";
  public static final String SERVER_DEV = "veth-s";
  public static final String SERVER_ADDRESS = "10.213.0.1";
  public static final String CLIENT_ADDRESS = "10.213.0.2";
  /** The client's address after an address change. */
  public static final String CLIENT_NEW_ADDRESS = "10.213.0.3";
  public static final int PREFIX = 24;

  private static final Duration COMMAND_LIMIT = Duration.ofSeconds(10);
  private static final AtomicInteger COUNTER = new AtomicInteger();
  /** The names this class gives namespaces; the group is the process id of the JVM that made them. */
  private static final Pattern LEFTOVER = Pattern.compile("rocks-[cs]-(\\d+)-\\d+");

  private final String ip;
  /** The client host's namespace. */
  public final String clientNs;
  /** The server host's namespace. */
  public final String serverNs;
  private final List<String> created = new ArrayList<>();
  private final Thread shutdownHook;

  private NetnsLab(String ip) {
    this.ip = ip;
    String suffix = ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    this.clientNs = "rocks-c-" + suffix;
    this.serverNs = "rocks-s-" + suffix;
    this.shutdownHook = new Thread(this::deleteQuietly, "netns-cleanup-" + suffix);
  }

  /** Returns why namespaces cannot be made here (not root, no {@code ip}), or empty if they can. */
  public static Optional<String> unavailableReason() {
    if (findIp().isEmpty()) {
      return Optional.of("the 'ip' command (iproute2) is not installed");
    }
    return HostCommands.notRootReason();
  }

  public static Optional<Path> findIp() {
    return HostCommands.find("ip");
  }

  /** Makes the two namespaces, the veth pair and the addresses, and brings the links up. */
  public static NetnsLab create() throws IOException, InterruptedException {
    NetnsLab lab = new NetnsLab(findIp().orElseThrow(() -> new IOException("no 'ip' command")).toString());
    lab.deleteLeftoversOfDeadRuns();
    Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
    try {
      lab.ip("netns", "add", lab.clientNs);
      lab.created.add(lab.clientNs);
      lab.ip("netns", "add", lab.serverNs);
      lab.created.add(lab.serverNs);
      lab.ip("link", "add", CLIENT_DEV, "netns", lab.clientNs, "type", "veth", "peer", "name", SERVER_DEV, "netns", lab.serverNs);
      lab.ip("-n", lab.clientNs, "link", "set", "lo", "up");
      lab.ip("-n", lab.serverNs, "link", "set", "lo", "up");
      lab.ip("-n", lab.clientNs, "addr", "add", CLIENT_ADDRESS + "/" + PREFIX, "dev", CLIENT_DEV);
      lab.ip("-n", lab.serverNs, "addr", "add", SERVER_ADDRESS + "/" + PREFIX, "dev", SERVER_DEV);
      lab.ip("-n", lab.clientNs, "link", "set", CLIENT_DEV, "up");
      lab.ip("-n", lab.serverNs, "link", "set", SERVER_DEV, "up");
      return lab;
    } catch (IOException | InterruptedException | RuntimeException e) {
      lab.close();
      throw e;
    }
  }

  /** Runs {@code ip args...}; throws with its output if it fails or takes longer than 10 s. */
  public String ip(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ip);
    command.addAll(List.of(args));
    return run(command);
  }

  /** Runs {@code command} inside namespace {@code ns} ({@code ip netns exec}). */
  public String exec(String ns, String... command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of(ip, "netns", "exec", ns));
    full.addAll(List.of(command));
    return run(full);
  }

  /** The command prefix that runs a program in {@code ns}. */
  public List<String> execPrefix(String ns) {
    return List.of(ip, "netns", "exec", ns);
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    return HostCommands.run(command, COMMAND_LIMIT);
  }


  /**
   * Deletes namespaces an earlier run of these tests made and could not delete because its JVM was
   * killed: names of this class's pattern whose process id is no longer alive.
   */
  private void deleteLeftoversOfDeadRuns() throws IOException, InterruptedException {
    for (String ns : namespaces("rocks-")) {
      Matcher m = LEFTOVER.matcher(ns);
      if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
        ip("netns", "del", ns);
      }
    }
  }

  /** Returns the namespaces whose names start with {@code prefix} that exist now. */
  public List<String> namespaces(String prefix) throws IOException, InterruptedException {
    List<String> found = new ArrayList<>();
    for (String line : ip("netns", "list").split("\n")) {
      String name = line.trim().split("\\s+")[0];
      if (name.startsWith(prefix)) {
        found.add(name);
      }
    }
    return found;
  }

  /** Deletes both namespaces (and so the veth pair). Safe to call more than once. */
  @Override
  public void close() throws IOException {
    IOException first = null;
    for (String ns : List.copyOf(created).reversed()) {
      try {
        ip("netns", "del", ns);
        created.remove(ns);
      } catch (IOException e) {
        first = first == null ? e : first;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        first = first == null ? new IOException("interrupted deleting namespace " + ns, e) : first;
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to; it deletes nothing that is gone.
    }
    if (first != null) {
      throw first;
    }
  }

  private void deleteQuietly() {
    for (String ns : List.copyOf(created)) {
      try {
        run(List.of(ip, "netns", "del", ns));
      } catch (IOException | InterruptedException ignored) {
        // Best effort while the JVM exits.
      }
    }
  }
}
