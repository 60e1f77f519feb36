package io.rocks.impl.rock;

/**
 * What the owner of a rock (its server socket) learns of the rock's life, synchronously and never
 * under the rock's lock. Each method is called on whichever rock thread caused the change and must
 * not block.
 */
public interface RockHooks {
  RockHooks NONE = new RockHooks() {};

  /** The rock was suspended. */
  default void suspended(RealRock rock) {}

  /** The rock resumed after a suspension. */
  default void resumed(RealRock rock) {}

  /** The peer proved it holds the rock's key: the rock is fully established. */
  default void confirmed(RealRock rock) {}

  /** The rock reached CLOSED or FAILED. Called once. */
  default void terminated(RealRock rock) {}
}
