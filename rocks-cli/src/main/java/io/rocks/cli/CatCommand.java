package io.rocks.cli;

import io.rocks.Rock;
import io.rocks.RockListener;
import io.rocks.RockOptions;
import io.rocks.RockServerSocket;
import io.rocks.RockSocket;
import io.rocks.RockTimeoutException;
import io.rocks.Rocks;
import io.rocks.policy.RocksPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code rocks cat}: standard input and output over a rock, like netcat. */
@Command(
    name = "cat",
    mixinStandardHelpOptions = true,
    versionProvider = RocksCommand.Version.class,
    description = {
      "Like netcat over a rock: sends standard input to HOST:PORT and writes what comes back to"
          + " standard output. The end of standard input is passed on as a half-close; the command"
          + " ends when the other side ends its output.",
      "HOST:PORT is a rock server: another 'rocks cat --listen', or a gateway (rocks serve) with"
          + " --to naming the target to reach through it. Suspensions and resumptions are announced"
          + " on standard error; on a terminal there, one line counts the seconds without contact and"
          + " says what is being tried while the rock is suspended.",
      "",
      "  rocks cat --to 127.0.0.1:6379 gateway:7000 <<< 'PING'",
      "  rocks cat --listen 0.0.0.0:9000 > received.bin      rocks cat host:9000 < file.bin",
      ""
    })
final class CatCommand implements Callable<Integer> {
  /** How long to wait, after the other side ended, for our last bytes and our close to be delivered. */
  static final Duration CLOSE_LIMIT = Duration.ofSeconds(30);

  @ParentCommand RocksCommand root;

  @Spec CommandLine.Model.CommandSpec spec;

  @Mixin CommonOptions common;

  @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The rock server to connect to, or with --listen the address to listen on.")
  String address;

  @Option(
      names = "--to",
      paramLabel = "HOST:PORT",
      converter = Endpoint.Converter.class,
      description = "HOST:PORT is a gateway (rocks serve): ask it to connect to this target, then carry its bytes.")
  Endpoint to;

  @Option(
      names = {"-l", "--listen"},
      description = "Accept one rock on HOST:PORT instead of connecting (port 0 picks a free one, printed on standard error).")
  boolean listen;

  @Override
  public Integer call() throws Exception {
    common.applyLogLevel();
    Endpoint endpoint;
    try {
      endpoint = listen ? Endpoint.parseListen(address) : Endpoint.parse(address);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for HOST:PORT: " + e.getMessage());
    }
    if (listen && to != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--to and --listen cannot be combined");
    }
    RocksPolicy policy = common.policy();
    // Standard output is the data. On a terminal's standard error, a status line while suspended.
    Display display = root.io.errTerminal() ? new Display.Terminal(root.io.err()) : new Display.Log();
    RockServerSocket server = null;
    RockSocket rock;
    RockOptions options;
    if (listen) {
      options = policy.forListen(endpoint.port()).orElseThrow(
          () -> new CliException(ExitCode.CONFIG, "the policy makes port " + endpoint.port() + " a plain socket (excluded)"));
      try {
        server = Rocks.rockServerSocket(endpoint.port(), InetAddress.getByName(endpoint.host()), options);
      } catch (IOException e) {
        throw new CliException(ExitCode.ERROR, "cannot listen on " + endpoint + ": " + Links.Format.cause(e), e);
      }
      display.info("listening on " + Links.Format.address((InetSocketAddress) server.getLocalSocketAddress()) + " for one rock");
      rock = server.accept();
    } else {
      InetSocketAddress remote = Tunnel.resolveGateway(endpoint);
      options = policy.forConnect(endpoint.host(), remote.getAddress(), endpoint.port()).orElseThrow(
          () -> new CliException(ExitCode.CONFIG, "the policy makes " + endpoint + " a plain socket (excluded)"));
      rock = Tunnel.connectRock(options, endpoint, remote);
    }
    Links links = new Links(display);
    CountDownLatch terminal = new CountDownLatch(1);
    CountDownLatch sentOrClosed = new CountDownLatch(1);
    rock.rock().addListener(new RockListener() {
      @Override
      public void closed(Rock r) {
        terminal.countDown();
        sentOrClosed.countDown();
      }

      @Override
      public void failed(Rock r, Throwable cause) {
        terminal.countDown();
        sentOrClosed.countDown();
      }
    });
    if (root.io.errTerminal()) {
      // Added before the link's own listener, so the line is cleared before "resumed" is said.
      SuspensionStatus suspension = new SuspensionStatus(display, listen ? "" : endpoint.toString(), !listen, System::nanoTime);
      rock.rock().addListener(suspension);
      display.showStatus(suspension::line, null);
    }
    Links.Link link = links.add("rock " + Tunnel.shortId(rock), rock.rock(), false);
    try {
      if (to != null) {
        GatewayProtocol.Status status = Tunnel.request(rock, GatewayProtocol.CONNECT, to, endpoint, options);
        if (!status.ok()) {
          throw Tunnel.refusal(status, endpoint, to);
        }
      }
      copy(root.io.in(), rock, root.io.out(), endpoint, options, sentOrClosed, terminal);
      rock.close();
      if (!terminal.await(CLOSE_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new CliException(ExitCode.ERROR, "the other side ended, but the close was not confirmed within "
            + Links.Format.duration(CLOSE_LIMIT) + "; the last bytes sent may not have arrived");
      }
      return ExitCode.OK;
    } finally {
      Pump.abort(rock); // does nothing once the rock closed in order
      links.remove(link);
      Pump.closeQuietly(server);
      display.close();
    }
  }

  /**
   * Standard input to the rock on another thread, the rock to standard output here. Returns once the
   * other side has ended its output and either standard input has been sent in full or the other
   * side has closed the rock altogether (so a terminal's never-ending input does not keep it open).
   */
  private static void copy(
      InputStream stdin, RockSocket rock, PrintStream stdout, Endpoint endpoint, RockOptions options,
      CountDownLatch sentOrClosed, CountDownLatch terminal)
      throws CliException, InterruptedException {
    AtomicReference<IOException> sendFailure = new AtomicReference<>();
    Thread sender = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try {
        OutputStream out = rock.getOutputStream();
        int n;
        while ((n = stdin.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
        }
        rock.shutdownOutput();
      } catch (IOException e) {
        sendFailure.set(e);
      } finally {
        sentOrClosed.countDown();
      }
    }, "rocks-cat-stdin");
    sender.setDaemon(true); // a terminal's stdin may never end; the process does not wait for it
    sender.start();
    byte[] buffer = new byte[64 * 1024];
    try {
      InputStream in = rock.getInputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        stdout.write(buffer, 0, n);
        stdout.flush();
      }
    } catch (IOException e) {
      throw failure(e, endpoint, options);
    }
    if (stdout.checkError()) {
      throw new CliException(ExitCode.ERROR, "cannot write to standard output");
    }
    sentOrClosed.await();
    IOException failed = sendFailure.get();
    if (failed != null && terminal.getCount() > 0) {
      throw failure(failed, endpoint, options);
    }
  }

  private static CliException failure(IOException e, Endpoint endpoint, RockOptions options) {
    if (e instanceof RockTimeoutException) {
      return new CliException(ExitCode.RECONNECT_TIMEOUT, "link to " + endpoint + " was down longer than the"
          + " reconnect timeout (" + Links.Format.duration(options.reconnectTimeout()) + "): " + e.getMessage(), e);
    }
    return new CliException(ExitCode.ERROR, "link to " + endpoint + ": " + Links.Format.cause(e), e);
  }
}
