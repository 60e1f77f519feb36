package io.rocks.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code rocks demo}: the demo of module rocks-demo. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = RocksCommand.Version.class,
    description = {
      "Runs the demo: an echo server and a client on loopback, talking over a rock through a relay"
          + " that cuts the link silently and resets it while data flows each way. Ends by printing"
          + " the SHA-256 of what was sent and what came back; exits 0 only if they match.",
      ""
    })
final class DemoCommand implements Callable<Integer> {
  static final String DEMO_CLASS = "io.rocks.demo.Demo";

  @Parameters(index = "0", paramLabel = "MIB", defaultValue = "64", description = "MiB each way (default: ${DEFAULT-VALUE}).")
  int mebibytes;

  @Parameters(index = "1", paramLabel = "FAULTS", defaultValue = "8", description = "Faults to inject (default: ${DEFAULT-VALUE}).")
  int faults;

  @Override
  public Integer call() throws Exception {
    if (mebibytes < 1 || faults < 0) {
      throw new CliException(ExitCode.USAGE, "demo: MIB must be at least 1 and FAULTS at least 0");
    }
    Method main;
    try {
      // Run from the class path: module rocks-demo exports no package.
      main = Class.forName(DEMO_CLASS).getMethod("main", String[].class);
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      throw new CliException(ExitCode.ERROR, "the demo (" + DEMO_CLASS + ", module rocks-demo) is not on the class path");
    }
    try {
      main.invoke(null, (Object) new String[] {Integer.toString(mebibytes), Integer.toString(faults)});
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      throw cause instanceof Exception ex ? ex : new RuntimeException(cause);
    }
    return ExitCode.OK;
  }
}
