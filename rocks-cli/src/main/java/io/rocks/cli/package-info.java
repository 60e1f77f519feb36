/** The {@code rocks} command and its subcommands. */
package io.rocks.cli;
