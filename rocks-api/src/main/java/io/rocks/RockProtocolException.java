package io.rocks;

/**
 * The peer broke the rocks protocol, failed to authenticate, or no longer knows the rock. The
 * connection it arrived on is closed.
 */
public class RockProtocolException extends RockException {
  public RockProtocolException(String message) {
    super(message);
  }

  public RockProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
