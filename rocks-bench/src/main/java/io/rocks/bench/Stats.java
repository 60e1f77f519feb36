package io.rocks.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The spread of a list of samples: min, median, max. */
record Stats(int n, double min, double median, double max) {
  static Stats of(List<Double> samples) {
    if (samples.isEmpty()) {
      return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
    }
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int n = sorted.size();
    double median =
        n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return new Stats(n, sorted.get(0), median, sorted.get(n - 1));
  }

  boolean isEmpty() {
    return n == 0;
  }
}
