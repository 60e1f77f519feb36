package io.rocks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Argument parsing, help, and the exit codes and one-line messages of bad arguments and configs. */
@Timeout(30)
class ArgumentsTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "serve", "tunnel", "cat", "demo"})
  void everyCommandHasHelp(String command) {
    Cli.Result result = command.isEmpty() ? Cli.run("--help") : Cli.run(command, "--help");
    assertEquals(ExitCode.OK, result.exit(), result::toString);
    assertTrue(result.out().startsWith("Usage: rocks" + (command.isEmpty() ? "" : " " + command)), result.out());
    assertTrue(result.out().contains("Exit codes:"), result.out());
    assertTrue(result.out().contains("7   the link was down longer than the reconnect timeout"), result.out());
    assertEquals("", result.err());
  }

  @Test
  void helpCommandAndVersion() {
    Cli.Result help = Cli.run("help", "tunnel");
    assertEquals(ExitCode.OK, help.exit());
    assertTrue(help.out().contains("--via=HOST:PORT"), help.out());
    Cli.Result version = Cli.run("--version");
    assertEquals(ExitCode.OK, version.exit());
    assertTrue(version.out().startsWith("rocks "), version.out());
  }

  @Test
  void noCommandIsAUsageError() {
    Cli.Result result = Cli.run();
    assertEquals(ExitCode.USAGE, result.exit());
    assertOneLine(result.err(), "rocks: a command is needed");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "serve --allow db                                   | Invalid value for option '--allow'",
        "serve --allow db:99999                             | the port must be a number from 1 to 65535",
        "serve --allow db:0                                 | the port must be a number from 1 to 65535",
        "serve --allow 300.1.1.1:80                         | is not an IPv4 address",
        "serve --allow ::1:80                               | write an IPv6 address in brackets",
        "serve --allow [zz::1]:80                           | is not an IPv6 address",
        "serve --allow bad_host!:80                         | is not a host name or address",
        "serve                                              | Missing required option: '--allow=HOST:PORT'",
        "serve --allow db:5432 --listen nowhere             | Invalid value for option '--listen'",
        "serve --allow db:5432 --status-interval soon       | is not a duration",
        "tunnel --local 127.0.0.1:1 --via gw:7000           | Missing required option: '--to=HOST:PORT'",
        "tunnel --local 127.0.0.1:70000 --via gw:7000 --to db:5432 | Invalid value for option '--local'",
        "tunnel --local 127.0.0.1:1 --via gw --to db:5432   | Invalid value for option '--via'",
        "cat                                                | Missing required parameter: 'HOST:PORT'",
        "cat gw                                             | Invalid value for HOST:PORT",
        "cat gw:0                                           | the port must be a number from 1 to 65535",
        "cat --listen --to db:1 127.0.0.1:0                 | --to and --listen cannot be combined",
        "serve --allow db:1 --bogus                         | Unknown option: '--bogus'",
        "launch                                             | Unmatched argument at index 0: 'launch'",
        "demo many                                          | Invalid value for positional parameter at index 0",
      })
  void badArgumentsExitWithUsageAndOneLine(String args, String expected) {
    Cli.Result result = Cli.run(args.strip().split("\\s+"));
    assertEquals(ExitCode.USAGE, result.exit(), result::toString);
    assertOneLine(result.err(), expected);
    assertTrue(result.err().contains("--help"), result.err());
  }

  @Test
  void missingConfigFileExitsWithConfigCode(@TempDir Path dir) {
    Cli.Result result = Cli.run("cat", "--config", dir.resolve("nope.conf").toString(), "127.0.0.1:9");
    assertEquals(ExitCode.CONFIG, result.exit(), result::toString);
    assertOneLine(result.err(), "rocks: error: --config " + dir.resolve("nope.conf") + ": no such file");
  }

  @Test
  void badConfigValueNamesFileLineAndKey(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("rocks.conf");
    Files.writeString(config, "rocks {\n  heartbeat-interval = 200 ms\n  failure-sensitivity = 0\n}\n");
    Cli.Result result =
        Cli.run("tunnel", "--config", config.toString(), "--local", "127.0.0.1:0", "--via", "127.0.0.1:9", "--to", "db:5432");
    assertEquals(ExitCode.CONFIG, result.exit(), result::toString);
    assertOneLine(result.err(), "rocks: error: ");
    assertTrue(result.err().contains("rocks.conf: 3"), result.err());
    assertTrue(result.err().contains("failure-sensitivity"), result.err());
  }

  @Test
  void unparsableConfigIsAConfigError(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("broken.conf");
    Files.writeString(config, "rocks {\n  heartbeat-interval = \n");
    Cli.Result result = Cli.run("serve", "--config", config.toString(), "--allow", "db:1", "--listen", "127.0.0.1:0");
    assertEquals(ExitCode.CONFIG, result.exit(), result::toString);
    assertOneLine(result.err(), "broken.conf");
  }

  @Test
  void policyThatExcludesTheGatewayIsAConfigError(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("plain.conf");
    Files.writeString(config, "rocks.excluded-ports = [7000]\n");
    Cli.Result result =
        Cli.run("tunnel", "--config", config.toString(), "--local", "127.0.0.1:0", "--via", "127.0.0.1:7000", "--to", "db:5432");
    assertEquals(ExitCode.CONFIG, result.exit(), result::toString);
    assertOneLine(result.err(), "a tunnel needs a rock to the gateway");
  }

  @Test
  void endpointsAreNormalised() {
    assertEquals(Endpoint.parse("db.example:5432"), Endpoint.parse("DB.Example.:5432"));
    assertEquals("db.example:5432", Endpoint.parse(" DB.Example.:5432 ").toString());
    assertEquals(Endpoint.parse("[::1]:22"), Endpoint.parse("[0:0:0:0:0:0:0:1]:22"));
    assertEquals("[0:0:0:0:0:0:0:1]:22", Endpoint.parse("[::1]:22").toString());
    assertEquals("127.0.0.1:6379", Endpoint.parse("127.0.0.1:6379").toString());
    assertFalse(Endpoint.parse("localhost:80").equals(Endpoint.parse("127.0.0.1:80")), "names are never looked up");
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("010.0.0.1:80"));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("db:5432x"));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse(":5432"));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("1.2.3:80"));
    assertEquals(0, Endpoint.parseListen("127.0.0.1:0").port());
  }

  @Test
  void gatewayProtocolLines() throws Exception {
    GatewayProtocol.Request request = GatewayProtocol.parseRequest("CONNECT DB:5432");
    assertEquals(GatewayProtocol.CONNECT, request.verb());
    assertEquals(Endpoint.parse("db:5432"), request.target());
    assertEquals(GatewayProtocol.CHECK, GatewayProtocol.parseRequest("CHECK [::1]:6379").verb());
    assertThrows(java.net.ProtocolException.class, () -> GatewayProtocol.parseRequest("GET / HTTP/1.1"));
    assertThrows(java.net.ProtocolException.class, () -> GatewayProtocol.parseRequest("CONNECT"));
    assertThrows(java.net.ProtocolException.class, () -> GatewayProtocol.parseRequest("CONNECT nowhere"));
    assertTrue(GatewayProtocol.parseStatus("OK").ok());
    GatewayProtocol.Status refused = GatewayProtocol.parseStatus("REFUSED not allowed");
    assertEquals("not allowed", refused.message());
    assertThrows(java.net.ProtocolException.class, () -> GatewayProtocol.parseStatus("HTTP/1.1 400 Bad Request"));
  }

  @Test
  void durations() {
    CommonOptions.DurationConverter converter = new CommonOptions.DurationConverter();
    assertEquals(Duration.ofSeconds(5), converter.convert("5s"));
    assertEquals(Duration.ofSeconds(5), converter.convert("5"));
    assertEquals(Duration.ofMillis(500), converter.convert("500 ms"));
    assertEquals(Duration.ofMinutes(2), converter.convert("2m"));
  }

  /** Asserts that {@code err} is exactly one line and contains {@code expected}. */
  static void assertOneLine(String err, String expected) {
    String trimmed = err.strip();
    assertFalse(trimmed.isEmpty(), "nothing on stderr");
    assertFalse(trimmed.contains("\n"), "more than one line on stderr:\n" + err);
    assertTrue(trimmed.contains(expected), "expected '" + expected + "' in: " + err);
  }
}
