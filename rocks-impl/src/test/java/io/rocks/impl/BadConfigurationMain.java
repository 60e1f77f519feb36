package io.rocks.impl;

import io.rocks.Rocks;

/**
 * Run in a JVM of its own by {@link BadConfigurationTest}, with {@code -Dconfig.file} naming a
 * malformed configuration: uses the library three times and prints what each use threw, one line
 * each ({@code class: message}).
 */
public final class BadConfigurationMain {
  private BadConfigurationMain() {}

  public static void main(String[] args) {
    for (int use = 0; use < 3; use++) {
      try {
        if (use == 1) {
          Rocks.defaultOptions();
        } else {
          Rocks.connect("localhost", 1).close();
        }
        System.out.println("USE " + use + " no exception");
      } catch (Throwable t) {
        System.out.println("USE " + use + " " + t.getClass().getName() + ": " + t.getMessage());
      }
    }
  }
}
