package io.rocks;

import java.io.IOException;

/**
 * The root of the rocks exception family. It is an {@link IOException}, so code written against
 * {@link java.net.Socket} handles it without change.
 */
public class RockException extends IOException {
  /**
   * Makes an exception without a cause.
   *
   * @param message what happened, naming the rock (and the peer, where known)
   */
  public RockException(String message) {
    super(message);
  }

  /**
   * Makes an exception caused by {@code cause}.
   *
   * @param message what happened, naming the rock (and the peer, where known)
   * @param cause the error that led to this one, or null if there is none
   */
  public RockException(String message, Throwable cause) {
    super(message, cause);
  }
}
