package io.rocks;

/**
 * The peer broke the rocks protocol, failed to authenticate, or no longer knows the rock. The
 * connection it arrived on is closed.
 */
public class RockProtocolException extends RockException {
  /**
   * Makes an exception without a cause.
   *
   * @param message what the peer did wrong, naming the rock where known
   */
  public RockProtocolException(String message) {
    super(message);
  }

  /**
   * Makes an exception caused by {@code cause}.
   *
   * @param message what the peer did wrong, naming the rock where known
   * @param cause the error that revealed it (such as a failed key derivation), or null if there is
   *     none
   */
  public RockProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
