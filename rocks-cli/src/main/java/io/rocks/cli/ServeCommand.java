package io.rocks.cli;

import io.rocks.RockOptions;
import io.rocks.policy.RocksPolicy;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code rocks serve}: the gateway end of tunnels. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = RocksCommand.Version.class,
    description = {
      "Accepts rocks and connects each to the plain TCP target it names, if that target is allowed,"
          + " then carries its bytes both ways. A rock whose link fails is kept, with its target"
          + " connection, until it resumes or its reconnect timeout passes.",
      "Targets are matched exactly against --allow after normalisation (lower-case names, canonical"
          + " addresses; no name is looked up to match). Anything else is refused, and the client"
          + " side is told why.",
      ""
    })
final class ServeCommand implements Callable<Integer> {
  @ParentCommand RocksCommand root;

  @Mixin CommonOptions common;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "0.0.0.0:7000",
      converter = Endpoint.ListenConverter.class,
      description = "Address to accept rocks on (default: ${DEFAULT-VALUE}; port 0 picks a free one).")
  Endpoint listen;

  @Option(
      names = "--allow",
      paramLabel = "HOST:PORT",
      required = true,
      converter = Endpoint.Converter.class,
      description = "A target tunnels may reach; repeat for each (for example --allow db:5432 --allow 127.0.0.1:6379).")
  List<Endpoint> allow;

  @Mixin StatusOptions status;

  @Option(
      names = "--metrics",
      paramLabel = "HOST:PORT",
      converter = Endpoint.ListenConverter.class,
      description = "Serve the rocks' and the JVM's metrics in Prometheus's format at http://HOST:PORT/metrics (port 0 picks a free one).")
  Endpoint metrics;

  @Override
  public Integer call() throws Exception {
    common.applyLogLevel();
    RocksPolicy policy = common.policy();
    RockOptions options = CommonOptions.listenOptions(policy, listen.port(), "a gateway");
    Display display = Display.forProcess(root.io.out(), root.io.terminal());
    Gateway gateway = new Gateway(listen, List.copyOf(allow), options, display);
    gateway.start();
    MetricsEndpoint endpoint;
    try {
      endpoint = metrics == null ? null : MetricsEndpoint.start(metrics);
    } catch (CliException e) {
      gateway.close();
      throw e;
    }
    if (root.io.installShutdownHooks()) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        gateway.close();
        if (endpoint != null) {
          endpoint.close();
        }
        display.close();
      }, "rocks-serve-shutdown"));
    }

    display.info("gateway listening on " + Links.Format.address(gateway.address()) + " for rocks; allowed targets: "
        + String.join(", ", gateway.allowed().stream().map(Endpoint::toString).toList())
        + "; silent cuts detected within " + Links.Format.duration(options.failureDetectionTime())
        + ", reconnect timeout " + Links.Format.duration(options.reconnectTimeout()));
    if (endpoint != null) {
      display.info("metrics at http://" + Links.Format.address(endpoint.address()) + "/metrics");
    }
    display.showStatus(gateway::statusLine, status.interval);
    gateway.awaitClosed();
    if (endpoint != null) {
      endpoint.close();
    }
    display.close();
    return ExitCode.OK;
  }
}
