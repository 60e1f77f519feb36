package io.rocks.chaos;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One end of a {@link Fleet}, run in a JVM of its own by {@link ChildFleet}, so a test can stall
 * that JVM (stop it, starve it of CPU, pause it for collections) while the other end runs on:
 *
 * <pre>
 *   FleetPeer accept  BIND_ADDRESS      ROCKS BYTES_EACH_WAY GC_PAUSE_MILLIS
 *   FleetPeer connect ADDRESS     PORT  ROCKS BYTES_EACH_WAY GC_PAUSE_MILLIS
 * </pre>
 *
 * <p>Unless {@code GC_PAUSE_MILLIS} is 0, it first fills the heap with live objects until a full
 * collection takes about that long ({@link Ballast#sizeFor}, at most {@link #MAX_BALLAST_MIB} MiB),
 * and reports {@code DONE BALLAST mib= objects= pause=}: the slow collections are over before the
 * rocks exist. Then it accepts or connects the rocks. It reports on stdout in lines starting with
 * {@code @@} ({@link NetnsPeer#PREFIX}): {@code LISTENING port}; {@code STATUS key=value...} every
 * 100 ms ({@link Fleet#status}); {@code EVENT kind nanoTime rockId detail} for each rock event;
 * {@code ROCK key=value...} ({@link RockReport#line}); {@code DONE command key=value...} when a
 * command has run; {@code ERROR description}. It reads commands on stdin, one at a time on the
 * platform thread {@code commands}:
 *
 * <ul>
 *   <li>{@code ALLOW n}: every rock may write up to n bytes in total;
 *   <li>{@code BURST threads millis}: spins that many platform threads for that long ({@link
 *       CpuBurst}), then {@code DONE BURST threads= millis= rounds=};
 *   <li>{@code GC count gapMillis}: that many full collections ({@link FullGcs}), then {@code DONE
 *       GC pauses=ms,ms,... collections=};
 *   <li>{@code REPORT}: a {@code ROCK} line per rock, then {@code DONE REPORT rocks=}.
 * </ul>
 *
 * End of input (the test is gone) ends the process.
 */
public final class FleetPeer {
  /** The most ballast a child makes; its heap must hold this and the rocks. */
  static final int MAX_BALLAST_MIB = 1400;

  private FleetPeer() {}

  public static void main(String[] args) {
    PrintStream out = System.out;
    boolean accept = args[0].equals("accept");
    int at = accept ? 2 : 3;
    int rocks = Integer.parseInt(args[at]);
    long bytesEachWay = Long.parseLong(args[at + 1]);
    Duration gcPause = Duration.ofMillis(Long.parseLong(args[at + 2]));
    ScheduledExecutorService status = Executors.newSingleThreadScheduledExecutor();
    try {
      if (gcPause.isPositive()) {
        Ballast.Sizing ballast = Ballast.sizeFor(gcPause, MAX_BALLAST_MIB);
        NetnsPeer.report(
            out,
            "DONE BALLAST mib=" + ballast.mebibytes() + " objects=" + ballast.objects() + " pause=" + ballast.pause().toMillis());
      }
      FleetEvents events =
          new FleetEvents(e -> NetnsPeer.report(out, "EVENT " + e.kind() + " " + e.atNanos() + " " + e.detail()));
      InetAddress address = InetAddress.getByName(args[1]);
      Fleet fleet;
      if (accept) {
        fleet = Fleet.accepting("child", address, rocks, bytesEachWay, events);
        NetnsPeer.report(out, "LISTENING " + fleet.port());
      } else {
        InetSocketAddress server = new InetSocketAddress(address, Integer.parseInt(args[2]));
        fleet = Fleet.connecting("child", server, rocks, bytesEachWay, events, Duration.ofMinutes(2));
      }
      status.scheduleAtFixedRate(() -> NetnsPeer.report(out, "STATUS " + words(fleet.status())), 0, 100, TimeUnit.MILLISECONDS);
      Thread commands = Thread.ofPlatform().name("commands").start(() -> readCommands(fleet, out));
      commands.join();
    } catch (Throwable t) {
      NetnsPeer.report(out, "ERROR " + t.toString().replace('\n', ' '));
      t.printStackTrace(out);
      out.flush();
      Runtime.getRuntime().halt(1);
    }
  }

  private static void readCommands(Fleet fleet, PrintStream out) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] words = line.trim().split("\\s+");
        switch (words[0]) {
          case "ALLOW" -> fleet.allow(Long.parseLong(words[1]));
          case "BURST" -> {
            CpuBurst.Result burst =
                CpuBurst.run(Integer.parseInt(words[1]), Duration.ofMillis(Long.parseLong(words[2])));
            NetnsPeer.report(
                out,
                "DONE BURST threads=" + burst.threads() + " millis=" + burst.took().toMillis() + " rounds=" + burst.rounds());
          }
          case "GC" -> {
            FullGcs.Result gcs = FullGcs.run(Integer.parseInt(words[1]), Duration.ofMillis(Long.parseLong(words[2])));
            NetnsPeer.report(out, "DONE GC pauses=" + millis(gcs) + " collections=" + gcs.collections());
          }
          case "REPORT" -> {
            var reports = fleet.report(Duration.ZERO);
            for (RockReport report : reports) {
              NetnsPeer.report(out, "ROCK " + report.line());
            }
            NetnsPeer.report(out, "DONE REPORT rocks=" + reports.size());
          }
          default -> NetnsPeer.report(out, "ERROR unknown command: " + line);
        }
      }
    } catch (Throwable t) {
      NetnsPeer.report(out, "ERROR running commands: " + t.toString().replace('\n', ' '));
    }
    // The test that started this process is gone: do not outlive it.
    Runtime.getRuntime().halt(2);
  }

  private static String words(Map<String, String> status) {
    return status.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
  }

  private static String millis(FullGcs.Result gcs) {
    return gcs.pauses().stream().map(d -> Long.toString(d.toMillis())).collect(Collectors.joining(","));
  }
}
