package io.rocks;

import java.time.Duration;

/**
 * A snapshot of a rock's counters. All byte counts are totals since the rock was established and
 * never go backwards.
 *
 * @param bytesWritten bytes the application has written into the rock
 * @param bytesAcknowledged bytes the peer has confirmed it received; {@code bytesWritten -
 *     bytesAcknowledged} is what sits in the in-flight buffer
 * @param bytesReceived bytes received from the peer (delivered or waiting to be read)
 * @param bytesRetransmitted bytes sent again after recoveries
 * @param suspensions how many times the rock was suspended
 * @param timeSuspended total time spent suspended, including a suspension in progress
 */
public record RockStats(
    long bytesWritten,
    long bytesAcknowledged,
    long bytesReceived,
    long bytesRetransmitted,
    int suspensions,
    Duration timeSuspended) {}
