package io.rocks.cli;

import com.typesafe.config.ConfigException;
import io.rocks.RockTimeoutException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code rocks} command: a gateway, tunnels and netcat over rocks, so that programs that know
 * nothing of rocks (ssh, psql, redis-cli, curl) survive link failures.
 */
@Command(
    name = "rocks",
    mixinStandardHelpOptions = true,
    versionProvider = RocksCommand.Version.class,
    synopsisSubcommandLabel = "COMMAND",
    description = {
      "Carries any TCP program's connections over rocks: TCP byte streams that survive link"
          + " failures. A rock detects a dead link by heartbeats, suspends, reconnects and"
          + " retransmits exactly what the peer lacks; the program at either end sees one unbroken"
          + " connection.",
      "",
      "  gateway$ rocks serve --listen 0.0.0.0:7000 --allow db:5432",
      "  laptop$  rocks tunnel --local 127.0.0.1:15432 --via gateway:7000 --to db:5432",
      "  laptop$  psql -h 127.0.0.1 -p 15432",
      ""
    },
    footer = {
      "",
      "Errors are reported on one line, 'rocks: error: ...', with the exit codes above.",
      "Run 'rocks COMMAND --help' for a command's options."
    })
public final class RocksCommand implements Runnable {
  /** The log4j configuration the command line uses unless one is given. */
  static final String LOG_CONFIG = "rocks-cli-log4j2.xml";

  /**
   * The streams and terminal of one run; tests give their own. {@code terminal}: standard output
   * is a terminal; {@code errTerminal}: standard error is.
   */
  record Io(
      InputStream in, PrintStream out, PrintStream err, boolean terminal, boolean installShutdownHooks,
      boolean errTerminal) {
    Io(InputStream in, PrintStream out, PrintStream err, boolean terminal, boolean installShutdownHooks) {
      this(in, out, err, terminal, installShutdownHooks, false);
    }

    static Io system() {
      return new Io(System.in, System.out, System.err, Display.isTerminal(), true, Display.isStderrTerminal());
    }
  }

  final Io io;

  @Spec CommandSpec spec;

  RocksCommand(Io io) {
    this.io = io;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed: serve, tunnel, cat or demo");
  }

  public static void main(String[] args) {
    if (System.getProperty("log4j2.configurationFile") == null
        && System.getProperty("log4j.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", LOG_CONFIG);
    }
    // Log4j's MBeans would make the platform MBean server at start-up: 85-100 ms of every run
    // (`rocks cat` to its first echoed byte 484 ms with them, 400 ms without, start-up cache in
    // use), for a view of the logging configuration no one needs here. -Dlog4j2.disableJmx=false
    // brings them back.
    if (System.getProperty("log4j2.disableJmx") == null && System.getProperty("log4j2.disable.jmx") == null) {
      System.setProperty("log4j2.disableJmx", "true");
    }
    System.exit(execute(Io.system(), args));
  }

  /** The subcommands, in the order {@code rocks --help} lists them. */
  static final List<String> COMMANDS = List.of("serve", "front", "tunnel", "cat", "demo", "help");

  private static Object newCommand(String name) {
    return switch (name) {
      case "serve" -> new ServeCommand();
      case "front" -> new FrontCommand();
      case "tunnel" -> new TunnelCommand();
      case "cat" -> new CatCommand();
      case "demo" -> new DemoCommand();
      case "help" -> new CommandLine.HelpCommand();
      default -> throw new IllegalArgumentException("no command " + name);
    };
  }

  /** Runs the command line {@code args} with {@code io}; returns the exit code. */
  static int execute(Io io, String... args) {
    CommandLine commandLine = commandLine(io, args.length > 0 ? args[0] : null);
    return commandLine.execute(args);
  }

  /**
   * Returns the command line with the subcommands. When
   * {@code first} (the first argument) names one of them, that one alone is added: picocli reads
   * each subcommand's annotations by reflection as it is added, which takes a noticeable share of
   * start-up, and a run uses one subcommand only.
   */
  static CommandLine commandLine(Io io, String first) {
    CommandLine commandLine = new CommandLine(new RocksCommand(io));
    boolean one = first != null && COMMANDS.contains(first) && !first.equals("help");
    for (String name : COMMANDS) {
      if (!one || name.equals(first)) {
        commandLine.addSubcommand(name, newCommand(name));
      }
    }
    commandLine.setOut(new PrintWriter(io.out(), true, io.out().charset()));
    commandLine.setErr(new PrintWriter(io.err(), true, io.err().charset()));
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    Map<String, String> exitCodes = new LinkedHashMap<>();
    for (String entry : ExitCode.HELP_LIST) {
      int colon = entry.indexOf(':');
      exitCodes.put(entry.substring(0, colon), entry.substring(colon + 1));
    }
    applyExitCodes(commandLine, exitCodes);
    commandLine.setParameterExceptionHandler(
        (ex, arguments) -> {
          CommandLine failed = ex.getCommandLine();
          String name = failed.getCommandSpec().qualifiedName();
          failed
              .getErr()
              .println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
          failed.getErr().flush();
          return ExitCode.USAGE;
        });
    commandLine.setExecutionExceptionHandler(
        (ex, failed, parseResult) -> {
          int code;
          String message;
          if (ex instanceof CliException cli) {
            code = cli.exitCode();
            message = cli.getMessage();
          } else if (ex instanceof ConfigException config) {
            code = ExitCode.CONFIG;
            message = config.getMessage();
          } else if (ex instanceof RockTimeoutException timeout) {
            code = ExitCode.RECONNECT_TIMEOUT;
            message = timeout.getMessage();
          } else {
            code = ExitCode.ERROR;
            message = ex.getMessage() == null ? ex.toString() : ex.getClass().getSimpleName() + ": " + ex.getMessage();
            Display.LOG.debug("rocks failed", ex);
          }
          failed.getErr().println("rocks: error: " + oneLine(message));
          failed.getErr().flush();
          return code;
        });
    return commandLine;
  }

  private static void applyExitCodes(CommandLine commandLine, Map<String, String> exitCodes) {
    commandLine.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(exitCodes);
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      if (!sub.getCommandName().equals("help")) {
        applyExitCodes(sub, exitCodes);
      }
    }
  }

  static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }

  /** The version from the jar manifest, or "development build" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = RocksCommand.class.getPackage().getImplementationVersion();
      return new String[] {
        "rocks " + (version == null ? "(development build)" : version),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ")"
      };
    }
  }
}
