package io.rocks.cli;

import io.rocks.RockOptions;
import io.rocks.policy.RocksPolicy;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code rocks front}: a rocks server in front of one plain TCP server. */
@Command(
    name = "front",
    mixinStandardHelpOptions = true,
    versionProvider = RocksCommand.Version.class,
    description = {
      "Accepts rocks and connects each to one plain TCP server, then carries its bytes both ways:"
          + " the server gains a rocks server in front of it, for clients whose sockets are rocks"
          + " (the library's Rocks.connect and socket factory, or any Java program run with"
          + " rocks-agent). Unlike serve, there is no request line: the first bytes of a rock are"
          + " the client's own. A rock whose link fails is kept, with its server connection, until"
          + " it resumes or its reconnect timeout passes. Plain clients are refused (they can reach"
          + " the server directly).",
      ""
    })
final class FrontCommand implements Callable<Integer> {
  @ParentCommand RocksCommand root;

  @Mixin CommonOptions common;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      required = true,
      converter = Endpoint.ListenConverter.class,
      description = "Address to accept rocks on (port 0 picks a free one).")
  Endpoint listen;

  @Option(
      names = "--to",
      paramLabel = "HOST:PORT",
      required = true,
      converter = Endpoint.Converter.class,
      description = "The plain TCP server each rock is connected to.")
  Endpoint target;

  @Mixin StatusOptions status;

  @Override
  public Integer call() throws Exception {
    common.applyLogLevel();
    RocksPolicy policy = common.policy();
    RockOptions options = CommonOptions.listenOptions(policy, listen.port(), "a front");
    Display display = Display.forProcess(root.io.out(), root.io.terminal());
    Gateway front = Gateway.front(listen, target, options, display);
    front.start();
    if (root.io.installShutdownHooks()) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        front.close();
        display.close();
      }, "rocks-front-shutdown"));
    }
    display.info("front listening on " + Links.Format.address(front.address()) + " for rocks to " + target
        + "; silent cuts detected within " + Links.Format.duration(options.failureDetectionTime())
        + ", reconnect timeout " + Links.Format.duration(options.reconnectTimeout()));
    display.showStatus(front::statusLine, status.interval);
    front.awaitClosed();
    display.close();
    return ExitCode.OK;
  }
}
