package io.rocks;

/**
 * Totals over every rock of a process since it started, from {@link RocksMonitor#totals()}. Byte
 * counts are application bytes (the stream), not wire bytes.
 *
 * @param established rocks that completed their handshake, connecting or accepting
 * @param suspensions times a rock suspended (its connection failed or was judged dead)
 * @param resumes times a suspended rock resumed on a new connection
 * @param reconnectAttemptsFailed reconnection attempts that failed (a rock may make many per
 *     suspension)
 * @param closed rocks that ended {@link RockState#CLOSED}
 * @param failed rocks that ended {@link RockState#FAILED}
 * @param bytesWritten bytes the applications wrote to rocks
 * @param bytesAcknowledged bytes written that the peers acknowledged
 * @param bytesReceived bytes received and delivered in order to the rocks' input
 * @param bytesRetransmitted bytes sent again after resumes, because the peer had not received them
 */
public record RocksTotals(
    long established,
    long suspensions,
    long resumes,
    long reconnectAttemptsFailed,
    long closed,
    long failed,
    long bytesWritten,
    long bytesAcknowledged,
    long bytesReceived,
    long bytesRetransmitted) {}
