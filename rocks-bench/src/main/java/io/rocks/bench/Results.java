package io.rocks.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run measured, one record a line, tab-separated, appended and flushed as it is measured so
 * a run that dies midway keeps what it had:
 *
 * <pre>
 *   sample  KEY  SERIES  VALUE     one measurement (for example bulk.one  rock  1834.2)
 *   fact    KEY  TEXT              something the page states (a count, a setting, a version)
 *   profile KEY  TEXT              one line of a profile shown where a target is missed
 * </pre>
 */
final class Results {
  private final Path file;
  private final Map<String, List<Double>> samples = new LinkedHashMap<>();
  private final Map<String, String> facts = new LinkedHashMap<>();
  private final Map<String, List<String>> profiles = new LinkedHashMap<>();

  private Results(Path file) {
    this.file = file;
  }

  /** Starts an empty file of results at {@code file}. */
  static Results create(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, "");
    return new Results(file);
  }

  /** Reads a file written by {@link #create}; a missing file reads as no results. */
  static Results read(Path file) throws IOException {
    Results results = new Results(null);
    if (!Files.exists(file)) {
      return results;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] f = line.split("\t", -1);
      switch (f[0]) {
        case "sample" -> results.remember(f[1], f[2], Double.parseDouble(f[3]));
        case "fact" -> {
          // A later line says it better (a figure updates its facts as it goes), except when
          // several harness runs (one per group of figures) wrote the file in turn: then the
          // run's start is the first one's.
          if (f[1].equals("run.date") || f[1].equals("machine.load.start")) {
            results.facts.putIfAbsent(f[1], f[2]);
          } else {
            results.facts.put(f[1], f[2]);
          }
        }
        case "profile" -> results.profiles.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f[2]);
        default -> {
          // Blank or unknown lines are skipped.
        }
      }
    }
    return results;
  }

  /** Takes in every record of another results file, as if measured here. */
  synchronized void absorb(Path other) throws IOException {
    for (String line : Files.readAllLines(other, StandardCharsets.UTF_8)) {
      String[] f = line.split("\t", -1);
      switch (f[0]) {
        case "sample" -> sample(f[1], f[2], Double.parseDouble(f[3]));
        case "fact" -> fact(f[1], f[2]);
        case "profile" -> profile(f[1], f[2]);
        default -> {
          // Skipped, as in read.
        }
      }
    }
  }

  synchronized void sample(String key, String series, double value) {
    remember(key, series, value);
    append("sample", key, series, Double.toString(value));
  }

  synchronized void fact(String key, Object value) {
    facts.put(key, clean(String.valueOf(value)));
    append("fact", key, clean(String.valueOf(value)));
  }

  synchronized void profile(String key, String line) {
    profiles.computeIfAbsent(key, k -> new ArrayList<>()).add(clean(line));
    append("profile", key, clean(line));
  }

  synchronized void profile(String key, List<String> lines) {
    for (String line : lines) {
      profile(key, line);
    }
  }

  /** Returns the samples of {@code key} and {@code series}, in the order measured; empty if none. */
  synchronized List<Double> samples(String key, String series) {
    return List.copyOf(samples.getOrDefault(key + "\t" + series, List.of()));
  }

  synchronized String fact(String key) {
    return facts.get(key);
  }

  synchronized String factOr(String key, String absent) {
    return facts.getOrDefault(key, absent);
  }

  synchronized List<String> profile(String key) {
    return List.copyOf(profiles.getOrDefault(key, List.of()));
  }

  private void remember(String key, String series, double value) {
    samples.computeIfAbsent(key + "\t" + series, k -> new ArrayList<>()).add(value);
  }

  private void append(String... fields) {
    if (file == null) {
      return;
    }
    try (Writer out =
        Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
      out.write(String.join("\t", fields));
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String clean(String text) {
    return text.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }
}
