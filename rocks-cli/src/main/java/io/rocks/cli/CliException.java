package io.rocks.cli;

/**
 * An error the command reports as one line, {@code rocks: error: <message>}, and ends with {@code
 * exitCode} (one of {@link ExitCode}).
 */
final class CliException extends Exception {
  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
