package io.rocks.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** The status line's option, shared by the commands that keep one ({@code serve}, {@code front}, {@code tunnel}). */
final class StatusOptions {
  @Option(
      names = "--status-interval",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = CommonOptions.DurationConverter.class,
      description = "When output is not a terminal, log a status line this often (default: ${DEFAULT-VALUE}; 0: never).")
  Duration interval;
}
