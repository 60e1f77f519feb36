package io.rocks.cli;

import io.rocks.RockOptions;
import io.rocks.policy.RocksPolicy;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code rocks tunnel}: the local end of tunnels. */
@Command(
    name = "tunnel",
    mixinStandardHelpOptions = true,
    versionProvider = RocksCommand.Version.class,
    description = {
      "Listens on a local port for plain TCP connections and carries each over its own rock to a"
          + " gateway (rocks serve), which connects it to the target. Point any program at the local"
          + " port; its connection survives link failures between here and the gateway.",
      "At start the tunnel asks the gateway whether the target is allowed, and exits at once if the"
          + " gateway cannot be reached or refuses it.",
      "On a terminal a status line shows the state, bytes each way (up: to the target), the round-trip"
          + " time to the gateway (measured over a control rock; n/a while none is fresh), how long the"
          + " link has been suspended ('(control link)' while only the control rock is), and the number of"
          + " suspensions (the control rock's apart, '+N control'). Otherwise the same line is logged"
          + " every --status-interval. Suspensions and resumptions are announced as they happen.",
      ""
    })
final class TunnelCommand implements Callable<Integer> {
  @ParentCommand RocksCommand root;

  @Mixin CommonOptions common;

  @Option(
      names = "--local",
      paramLabel = "HOST:PORT",
      required = true,
      converter = Endpoint.ListenConverter.class,
      description = "Local address to listen on, for example 127.0.0.1:15432 (port 0 picks a free one).")
  Endpoint local;

  @Option(
      names = "--via",
      paramLabel = "HOST:PORT",
      required = true,
      converter = Endpoint.Converter.class,
      description = "The gateway (rocks serve) to carry connections to, for example gateway.example:7000.")
  Endpoint via;

  @Option(
      names = "--to",
      paramLabel = "HOST:PORT",
      required = true,
      converter = Endpoint.Converter.class,
      description = "The target the gateway connects each connection to, as the gateway's --allow names it.")
  Endpoint to;

  @Mixin StatusOptions status;

  @Override
  public Integer call() throws Exception {
    common.applyLogLevel();
    RocksPolicy policy = common.policy();
    InetSocketAddress gateway = Tunnel.resolveGateway(via);
    RockOptions options =
        policy
            .forConnect(via.host(), gateway.getAddress(), via.port())
            .orElseThrow(
                () -> new CliException(ExitCode.CONFIG,
                    "the policy makes " + via + " a plain socket (excluded); a tunnel needs a rock to the gateway"));
    Display display = Display.forProcess(root.io.out(), root.io.terminal());
    Tunnel tunnel = new Tunnel(local, via, to, options, display);
    tunnel.start();
    if (root.io.installShutdownHooks()) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        tunnel.close();
        display.close();
      }, "rocks-tunnel-shutdown"));
    }
    display.info("tunnel " + Links.Format.address(tunnel.localAddress()) + " -> " + to + " via " + via
        + ": the gateway allows it; silent cuts detected within " + Links.Format.duration(options.failureDetectionTime())
        + ", reconnect timeout " + Links.Format.duration(options.reconnectTimeout()));
    display.showStatus(tunnel::statusLine, status.interval);
    tunnel.awaitClosed();
    display.close();
    return ExitCode.OK;
  }
}
