package io.rocks;

import java.io.IOException;

/**
 * The root of the rocks exception family. It is an {@link IOException}, so code written against
 * {@link java.net.Socket} handles it without change.
 */
public class RockException extends IOException {
  public RockException(String message) {
    super(message);
  }

  public RockException(String message, Throwable cause) {
    super(message, cause);
  }
}
