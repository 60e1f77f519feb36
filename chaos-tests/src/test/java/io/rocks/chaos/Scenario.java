package io.rocks.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one chaos test measured, for the summary table: bytes moved each way, failures injected,
 * detection and resume times, and the result. Thread-safe.
 */
final class Scenario {
  enum Result {
    PASSED,
    FAILED,
    SKIPPED,
    RUNNING
  }

  private final String name;
  private long bytesClientToServer;
  private long bytesServerToClient;
  private int failuresInjected;
  private final List<Duration> detections = new ArrayList<>();
  private final List<Duration> resumes = new ArrayList<>();
  private Result result = Result.RUNNING;
  private String note = "";
  private Duration wallTime = Duration.ZERO;

  Scenario(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  synchronized void bytes(long clientToServer, long serverToClient) {
    bytesClientToServer = clientToServer;
    bytesServerToClient = serverToClient;
  }

  synchronized void failureInjected() {
    failuresInjected++;
  }

  synchronized int failuresInjected() {
    return failuresInjected;
  }

  synchronized void detected(Duration detection) {
    detections.add(detection);
  }

  synchronized void resumed(Duration resume) {
    resumes.add(resume);
  }

  /** Adds {@code text} to the scenario's note in the summary. */
  synchronized void note(String text) {
    note = note.isEmpty() ? text : note + "; " + text;
  }

  synchronized void finish(Result finalResult, String reason, Duration wall) {
    result = finalResult;
    wallTime = wall;
    if (reason != null && !reason.isBlank()) {
      note = note.isEmpty() ? reason : note + "; " + reason;
    }
  }

  synchronized long bytesClientToServer() {
    return bytesClientToServer;
  }

  synchronized long bytesServerToClient() {
    return bytesServerToClient;
  }

  synchronized List<Duration> detections() {
    return List.copyOf(detections);
  }

  synchronized List<Duration> resumes() {
    return List.copyOf(resumes);
  }

  synchronized Result result() {
    return result;
  }

  synchronized String note() {
    return note;
  }

  synchronized Duration wallTime() {
    return wallTime;
  }

  /** The median (lower of the two middle values for an even count), or null if there are none. */
  static Duration p50(List<Duration> values) {
    if (values.isEmpty()) {
      return null;
    }
    List<Duration> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get((sorted.size() - 1) / 2);
  }

  static Duration max(List<Duration> values) {
    return values.isEmpty() ? null : Collections.max(values);
  }
}
