package io.rocks.bench;

/**
 * The start-up section of {@code docs/benchmarks.md}: written by {@code scripts/startup-time}, not by
 * this harness, between two marker lines. {@link Report} carries it over from the page it replaces,
 * so a benchmark run keeps the last start-up figures and a start-up run keeps the last benchmarks.
 * Pure text functions; any thread.
 */
final class StartupSection {
  static final String BEGIN = "<!-- scripts/startup-time: begin -->";
  static final String END = "<!-- scripts/startup-time: end -->";

  /** The heading the section goes before on a page that {@link Report} writes. */
  static final String BEFORE = "## Reproducing\n";

  private StartupSection() {}

  /**
   * Returns {@code newPage} with the start-up section of {@code oldPage} (markers included) put
   * before its "Reproducing" heading, or at its end; returns {@code newPage} unchanged if {@code
   * oldPage} has no complete section.
   */
  static String carryOver(String oldPage, String newPage) {
    return carryOver(oldPage, newPage, BEGIN, END);
  }

  /** As above, for the section between {@code beginMarker} and {@code endMarker}. */
  static String carryOver(String oldPage, String newPage, String beginMarker, String endMarker) {
    int begin = oldPage.indexOf(beginMarker);
    int end = oldPage.indexOf(endMarker, Math.max(begin, 0));
    if (begin < 0 || end < 0) {
      return newPage;
    }
    String section = oldPage.substring(begin, end + endMarker.length()) + "\n\n";
    int at = newPage.indexOf(BEFORE);
    return at < 0 ? newPage + "\n" + section : newPage.substring(0, at) + section + newPage.substring(at);
  }
}
