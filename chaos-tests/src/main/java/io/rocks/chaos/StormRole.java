package io.rocks.chaos;

import java.util.List;

/**
 * What one {@link StormPeer} process is: the accepting side, the connecting side, a relay, or the
 * competing load. Every method runs on the process's command thread, one command at a time.
 */
interface StormRole {
  /** Returns what the process announces once it is ready (for example the port it listens on). */
  String ready();

  /**
   * Answers one command ({@code words[0]} is its name), adding the lines of the answer to {@code
   * reply}. Work that takes long (sending data to every rock) is started and not waited for.
   * Throws {@link IllegalArgumentException} for a command this role does not know.
   */
  void answer(String[] words, List<String> reply) throws Exception;
}
