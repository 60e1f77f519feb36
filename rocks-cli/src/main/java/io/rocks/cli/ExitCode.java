package io.rocks.cli;

/** The exit codes of the {@code rocks} command, listed in {@code rocks --help}. */
public final class ExitCode {
  private ExitCode() {}

  /** Done: the transfer ended in order, or the command was stopped by a signal it handles. */
  public static final int OK = 0;
  /** Anything else: a local port in use, an unexpected I/O error. */
  public static final int ERROR = 1;
  /** Bad arguments: an unknown option, a malformed host:port, a missing required option. */
  public static final int USAGE = 2;
  /** The --config file (or application.conf) is missing or invalid. */
  public static final int CONFIG = 3;
  /** The gateway (or rock server) could not be reached, or does not speak rocks. */
  public static final int UNREACHABLE_GATEWAY = 4;
  /** The gateway refused the target: it is not in the gateway's --allow list. */
  public static final int REFUSED = 5;
  /** The gateway allows the target but could not connect to it. */
  public static final int UNREACHABLE_TARGET = 6;
  /** The link was down for longer than the reconnect timeout; the rock gave up. */
  public static final int RECONNECT_TIMEOUT = 7;

  /** The exit code list shown by {@code rocks --help}, as picocli's "key:value" lines. */
  static final String[] HELP_LIST = {
    "0:done",
    "1:other error (for example the local port is in use)",
    "2:bad arguments",
    "3:bad configuration (--config FILE)",
    "4:the gateway cannot be reached",
    "5:the gateway refused the target (not in its --allow list)",
    "6:the gateway cannot reach the target",
    "7:the link was down longer than the reconnect timeout",
  };
}
