package io.rocks.cli;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
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

  /** The directory, next to the rocks-cli jar, where the build puts rocks-demo and its relay. */
  static final String DEMO_LIB = "demo-lib";

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
      main = demoClass().getMethod("main", String[].class);
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      throw new CliException(ExitCode.ERROR, "the demo (" + DEMO_CLASS + ", module rocks-demo) is neither on the class"
          + " path nor in " + DEMO_LIB + "/ next to the rocks-cli jar; rebuild rocks-cli (ROCKS_REBUILD=1 bin/rocks)");
    }
    try {
      main.invoke(null, (Object) new String[] {Integer.toString(mebibytes), Integer.toString(faults)});
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      throw cause instanceof Exception ex ? ex : new RuntimeException(cause);
    }
    return ExitCode.OK;
  }

  /**
   * Returns the demo's main class: from the class path where a test or a caller put rocks-demo,
   * else from the jars in {@value #DEMO_LIB}/ next to the rocks-cli jar, loaded on top of the
   * command's own class path.
   */
  private static Class<?> demoClass() throws ClassNotFoundException, IOException {
    try {
      return Class.forName(DEMO_CLASS);
    } catch (ClassNotFoundException notOnClassPath) {
      URL[] jars = demoJars();
      if (jars.length == 0) {
        throw notOnClassPath;
      }
      // Never closed: the demo's classes are in use until the process exits.
      URLClassLoader loader = new URLClassLoader("rocks-demo", jars, DemoCommand.class.getClassLoader());
      return Class.forName(DEMO_CLASS, true, loader);
    }
  }

  private static URL[] demoJars() throws IOException {
    CodeSource source = DemoCommand.class.getProtectionDomain().getCodeSource();
    if (source == null) {
      return new URL[0];
    }
    Path dir;
    try {
      dir = Path.of(source.getLocation().toURI()).getParent().resolve(DEMO_LIB);
    } catch (URISyntaxException | IllegalArgumentException e) {
      return new URL[0];
    }
    if (!Files.isDirectory(dir)) {
      return new URL[0];
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<URL> jars = new ArrayList<>();
      for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
        jars.add(jar.toUri().toURL());
      }
      return jars.toArray(URL[]::new);
    }
  }
}
