package io.rocks.impl.core;

import io.rocks.RockId;
import io.rocks.RockProtocolException;
import io.rocks.RockState;
import io.rocks.impl.crypto.ResumeKey;
import io.rocks.impl.io.FrameReader;
import io.rocks.impl.rock.RealRock;
import io.rocks.impl.wire.DecodedFrame;
import io.rocks.impl.wire.FrameDecoder;
import io.rocks.impl.wire.FrameWriter;
import io.rocks.impl.wire.Wire;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * One deterministic schedule: two {@link RockSession}s, a connector and an acceptor, exchange
 * streams through a simulated network on a virtual clock, driven the way {@link RealRock} drives
 * its session (frames encoded by {@link FrameWriter}, decoded by {@link FrameReader}, wake-ups
 * followed), while faults break the connection: resets, silent cuts, black holes in one direction,
 * cuts that deliver part of what was in flight, resumes whose acceptor counts are older than
 * what its old connection still delivered, and applications that stop reading for long.
 *
 * <p>Everything follows from the seed: the same seed replays the same schedule, event by event.
 * After every event the invariants are checked ({@link #check}); a violation throws {@link
 * Violation} naming the seed, the virtual time and the counters of both sessions.
 *
 * <p>Each side runs the shell's watch on the virtual clock ({@link RockSession#look}): heartbeats,
 * silence limits and idle mode decide when a side notices a silent cut or a black hole, and a
 * suspension of a connection that still works is a violation. Each side's {@link RockLifecycle}
 * moves as the shell's does. The connector recovers as the shell's supervisor does ({@link
 * Recovery}: backoff, reconnect timeout), and every resume is the real exchange ({@link
 * Resumption}: RESUME, CHALLENGE, PROOF, each body built and checked with a real key) on a
 * connection of its own, which faults hit too: a RESUME, CHALLENGE or PROOF lost, a path that
 * holds what it is given for seconds (so that an attempt times out and a second resume runs beside
 * it, or a PROOF arrives after a newer resume attached and must be refused as stale), an attacker
 * who replays a recorded RESUME and PROOF or forges a PROOF (refused, changing nothing), and the
 * connector's network down for a while: shorter than the reconnect timeout, the rock must resume;
 * longer, both ends must fail, the connector exactly at its timeout. What it does not model: the
 * establishing handshake (HELLO, WELCOME; tested on real sockets), stalls of the JVM, and write
 * errors.
 */
public final class SessionSimulation {
  /** A broken invariant, with what is needed to replay it. */
  static final class Violation extends AssertionError {
    Violation(String message) {
      super(message);
    }
  }

  /** Counts of one schedule, summed by the caller. */
  static final class Tally {
    long schedules;
    long events;
    long faults;
    long resumes;
    long bytes;
    long staleCounts;
    long readPauses;
    long detections;
    long idleEntries;
    long answers;
    long attempts;
    long attemptsFailed;
    long concurrentResumes;
    long staleRefused;
    long forgeriesRefused;
    long outages;
    long givenUp;
    long tuned;
    long windowGrowths;

    void add(Tally other) {
      schedules += other.schedules;
      events += other.events;
      faults += other.faults;
      resumes += other.resumes;
      bytes += other.bytes;
      staleCounts += other.staleCounts;
      readPauses += other.readPauses;
      detections += other.detections;
      idleEntries += other.idleEntries;
      answers += other.answers;
      attempts += other.attempts;
      attemptsFailed += other.attemptsFailed;
      concurrentResumes += other.concurrentResumes;
      staleRefused += other.staleRefused;
      forgeriesRefused += other.forgeriesRefused;
      outages += other.outages;
      givenUp += other.givenUp;
      tuned += other.tuned;
      windowGrowths += other.windowGrowths;
    }

    @Override
    public String toString() {
      return schedules + " schedules (" + tuned + " with tuned windows, " + windowGrowths + " receive windows grown), "
          + events + " events, " + faults + " faults, " + resumes
          + " resumes (" + staleCounts + " with stale counts), " + detections + " detached ends, "
          + idleEntries + " entries into idle mode, " + answers + " idle heartbeats answered, "
          + readPauses + " read pauses, " + attempts + " resume attempts (" + attemptsFailed + " failed, "
          + concurrentResumes + " beside another, " + staleRefused + " stale PROOFs refused), "
          + forgeriesRefused + " replayed or forged resumes refused, " + outages + " network outages ("
          + givenUp + " past the reconnect timeout, both ends failed), " + bytes + " bytes delivered";
    }
  }

  private static final int WINDOW = 64 * 1024;
  /** The largest window of a schedule that tunes its windows. */
  private static final int TUNED_MAX = 1024 * 1024;
  private static final byte[] SERVER_TAG = tag(1);
  private static final byte[] CLIENT_TAG = tag(2);
  private static final long MS = 1_000;
  private static final long HEARTBEAT = 500 * MS;
  /** Virtual time allowed after the last fault for both streams to finish. */
  private static final long SETTLE = 300_000 * MS;
  /** The reconnect timeout of both sides. */
  private static final long RECONNECT_TIMEOUT = 120_000 * MS;
  /** How long the connector waits for CHALLENGE before it gives an attempt up. */
  private static final long HANDSHAKE_TIMEOUT = 2_000 * MS;
  /** Attempts of one suspension that a fault may break; the later ones meet a clean path. */
  private static final int BROKEN_ATTEMPTS = 2;

  private final long seed;
  private final SplittableRandom random;
  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private final Tally tally = new Tally();
  private long now;
  private long sequence;
  private long lastFaultAt;

  private final Side connector;
  private final Side acceptor;
  /** The newest connection's number: data and handshake connections, the attacker's too. */
  private int generation;
  /** Connections that broke: nothing more arrives on them, either way. */
  private final java.util.BitSet broken = new java.util.BitSet();
  /** Per connection and direction ({@link #lane}): when its last piece arrives (TCP keeps order). */
  private final Map<Integer, Long> tails = new HashMap<>();
  /** Per connection: from when, and until when, it holds what the connector sends on it. */
  private final Map<Integer, long[]> holds = new HashMap<>();

  private final RockId id;
  private final ResumeKey key;
  private final Recovery recovery = new Recovery();
  private final Recovery.Backoff backoff;
  /** The connector's attempt under way, its connection and step; null between attempts. */
  private Resumption.Attempt attempt;
  private int attemptGen = -1;
  private int attemptStep;
  /** Attempts of the current suspension that a fault broke ({@link #BROKEN_ATTEMPTS}). */
  private int brokenAttempts;
  /** The accepting side's answers waiting for their PROOF, by connection. */
  private final Map<Integer, Resumption.Answer> answers = new HashMap<>();
  /** The bodies of the last resume that went through, as someone on the path recorded them. */
  private byte[] recordedResume;
  private byte[] recordedProof;
  /** Connections the attacker opened. */
  private final java.util.BitSet attackers = new java.util.BitSet();
  /** The connector's network is down until then: dials fail, and every connection broke. */
  private long networkDownUntil;
  /** True if an outage longer than the reconnect timeout was made: both ends must fail. */
  private boolean mustFail;
  /** Numbers the acceptor's suspensions: a deadline of an earlier one does nothing. */
  private long acceptorEpisode;
  private final boolean preShared;
  /** Idle mode's timing, the same on both sides: it begins within seconds here. */
  private final long idleAfterNanos;
  private final long idleHeartbeatNanos;
  private final long delay;
  private final long jitter;
  /** The link's rate, in virtual microseconds per KiB: how queued bytes spread out. */
  private final long microsPerKib;
  /** The window budget of schedules that tune their windows; null when the sizes are fixed. */
  private final CountingBudget budget;

  private SessionSimulation(long seed) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.delay = random.nextLong(20 * MS, 60_000 * MS) / 1000; // 20 us to 60 ms one way
    this.jitter = random.nextInt(4) == 0 ? random.nextLong(1, 10 * MS) : 0;
    this.microsPerKib = random.nextLong(1, 1_000); // about 1 GiB/s down to 1 MiB/s
    this.id = new RockId(random.nextLong(), random.nextLong());
    byte[] shared = new byte[32];
    random.nextBytes(shared);
    this.key = ResumeKey.derive(shared, null, id, new byte[32], new byte[32], nonce(), nonce());
    this.backoff = new Recovery.Backoff(
        random.nextLong(1, 200) * MS, random.nextLong(200, 2_000) * MS, random.nextInt(3) * 0.25);
    this.idleAfterNanos = random.nextLong(300, 5_000) * 1_000_000;
    this.idleHeartbeatNanos = random.nextLong(400, 12_000) * 1_000_000;
    int inFlight = random.nextBoolean() ? WINDOW : 4 * WINDOW;
    int window = random.nextBoolean() ? WINDOW : 4 * WINDOW;
    // A third of the schedules tune their windows (WindowTuning), up to 1 MiB, from one budget that
    // is sometimes too small for both ends to grow all the way.
    this.budget =
        random.nextInt(3) == 0
            ? new CountingBudget(random.nextBoolean() ? 512 * 1024 : Long.MAX_VALUE)
            : null;
    connector = new Side("connector", Role.CONNECTOR, inFlight, window, plannedBytes(), budget);
    acceptor = new Side("acceptor", Role.ACCEPTOR, inFlight, window, plannedBytes(), budget);
    // In idle mode one end answers the other's heartbeats (Liveness); which one, at random.
    boolean connectorFollows = random.nextBoolean();
    connector.session.liveness.follower(connectorFollows);
    acceptor.session.liveness.follower(!connectorFollows);
    connector.peer = acceptor;
    acceptor.peer = connector;
    preShared = random.nextInt(4) == 0;
    if (preShared) {
      // With a pre-shared secret: the acceptor has derived the key and sends its CONFIRM first;
      // the connector pipelines data behind its HELLO and is keyed once that CONFIRM checks out,
      // then sends its own; the acceptor grants its full window only after it.
      acceptor.session.keyed(false, SERVER_TAG.clone());
      acceptor.session.expectConfirm(CLIENT_TAG.clone());
    } else {
      // Without one: both sides keyed, the connector read WELCOME, and WELCOME carried the
      // acceptor's first ACK (as RealRockServerSocket does).
      connector.session.keyed(true, null);
      // The handshake took a round trip: HELLO out at -2 delays, WELCOME out at -1, read at 0.
      connector.session.welcomed(2 * delay * 1000);
      acceptor.session.keyed(true, null);
      acceptor.session.welcomeAdvertised(Wire.INITIAL_WINDOW, (now - delay) * 1000);
    }
    connector.closeAtEnd = random.nextInt(4) == 0;
    acceptor.closeAtEnd = !connector.closeAtEnd && random.nextInt(4) == 0;
    if (connector.closeAtEnd) {
      acceptor.planned = 0; // a side that closes reads nothing more: the peer only reads
    }
    if (acceptor.closeAtEnd) {
      connector.planned = 0;
    }
  }

  private long plannedBytes() {
    int kind = random.nextInt(20);
    if (kind < 4) {
      return 0;
    } else if (kind < 9) {
      return random.nextInt(1, 200);
    } else if (kind < 15) {
      return random.nextInt(1, 8_000);
    } else if (kind < 19 || random.nextInt(5) != 0) {
      return random.nextInt(1, 150_000);
    }
    return random.nextInt(1, 1_500_000);
  }

  /** Runs the schedule of {@code seed} to its end; throws {@link Violation} if an invariant breaks. */
  static Tally run(long seed) {
    SessionSimulation simulation = new SessionSimulation(seed);
    simulation.execute();
    return simulation.tally;
  }

  private void execute() {
    connector.newConnection(0);
    acceptor.newConnection(0);
    connector.attachWith(0, false, -1);
    acceptor.attachWith(0, false, -1);
    connector.scheduleApplication(0);
    acceptor.scheduleApplication(0);

    int faults = random.nextInt(6);
    long horizon = random.nextLong(10 * MS, 5_000 * MS);
    for (int i = 0; i < faults; i++) {
      long at = random.nextLong(horizon);
      schedule(at, this::fault);
      lastFaultAt = Math.max(lastFaultAt, at);
    }
    if (random.nextInt(4) == 0) { // someone on the path replays or forges resumes
      for (int i = random.nextInt(1, 3); i > 0; i--) {
        schedule(random.nextLong(horizon + 2_000 * MS), this::forgedResume);
      }
    }
    if (random.nextInt(12) == 0) { // the connector's network goes down for a while
      long at = random.nextLong(horizon);
      schedule(at, this::outage);
      lastFaultAt = Math.max(lastFaultAt, at + RECONNECT_TIMEOUT);
    }
    tally.schedules = 1;
    while (!finished()) {
      Event next = events.poll();
      if (next == null) {
        throw violation("nothing left to happen, and the streams are not finished");
      }
      now = next.at;
      if (now > lastFaultAt + SETTLE) {
        throw violation("the streams did not finish within " + SETTLE / MS + " ms after the last fault");
      }
      next.action.run();
      tally.events++;
      check();
    }
    tally.bytes = connector.verified + acceptor.verified;
    if (budget != null) {
      tally.tuned = 1;
      tally.windowGrowths = connector.session.tuning().growths() + acceptor.session.tuning().growths();
    }
  }

  private boolean finished() {
    if (mustFail) {
      return connector.life.state() == RockState.FAILED && acceptor.life.state() == RockState.FAILED;
    }
    return connector.finished() && acceptor.finished();
  }

  // ---------------------------------------------------------------- the network

  private static byte[] tag(int fill) {
    byte[] tag = new byte[ResumeKey.PROOF_BYTES];
    java.util.Arrays.fill(tag, (byte) fill);
    return tag;
  }

  private byte[] nonce() {
    byte[] nonce = new byte[Wire.NONCE_BYTES];
    random.nextBytes(nonce);
    return nonce;
  }

  /** Breaks the current connection in one of the ways networks do. */
  private void fault() {
    if (!established() || finished() || !connector.session.keyed() || now < networkDownUntil) {
      return; // a rock not established yet says HELLO again instead: the shell's (HelloAgainTest)
    }
    tally.faults++;
    int gen = connector.connectionGen;
    switch (random.nextInt(5)) {
      case 0 -> { // reset: both ends learn at once, with what was in flight lost
        broken.set(gen);
        connector.detachAt(now + random.nextLong(1, 2 * MS), gen);
        acceptor.detachAt(now + random.nextLong(1, 2 * MS), gen);
      }
      case 1 -> broken.set(gen); // silent cut: each end notices by the silence (its watch)
      case 2 -> { // a cut that lets part of what was in flight through first
        long cutAt = now + random.nextLong(1, delay + jitter + 2);
        schedule(cutAt, () -> broken.set(gen));
      }
      case 3 -> { // one direction becomes a black hole: its receiver notices the silence, and
        // closing its end resets the other (a reset that may be lost on the way: then the other
        // end notices the silence in its turn)
        Side deaf = random.nextBoolean() ? connector : acceptor;
        deaf.deafFrom = gen;
        deaf.resetsPeerOnDetach = random.nextBoolean();
      }
      default -> { // the connector moved: it knows at once; what it sent still reaches the acceptor
        connector.detachAt(now, gen);
      }
    }
  }

  /** Both ends attached to the same connection, no resume under way. */
  private boolean established() {
    return connector.attached && acceptor.attached && connector.connectionGen == acceptor.connectionGen
        && attemptGen < 0 && connector.life.state() == RockState.CONNECTED
        && acceptor.life.state() == RockState.CONNECTED;
  }

  /**
   * The connector's network goes down: every connection breaks, the connector knows at once (its
   * address went away), and its dials fail until the network is back. Shorter than the reconnect
   * timeout, the rock resumes; longer, both ends fail.
   */
  private void outage() {
    if (!established() || finished()) {
      return;
    }
    tally.outages++;
    boolean longer = random.nextInt(3) == 0;
    long length = longer
        ? RECONNECT_TIMEOUT + random.nextLong(1, 10_000 * MS)
        : random.nextLong(1, RECONNECT_TIMEOUT / 4);
    mustFail = longer;
    networkDownUntil = now + length;
    broken.set(0, generation + 1);
    connector.detachAt(now, connector.connectionGen);
  }

  /** Opens a new connection. */
  private int connect() {
    return ++generation;
  }

  /** A number for one direction of connection {@code gen}. */
  private static int lane(int gen, boolean towardAcceptor) {
    return 2 * gen + (towardAcceptor ? 1 : 0);
  }

  /**
   * When {@code bytes} sent now on connection {@code gen} toward one side arrive: after the delay
   * and jitter, behind what was sent before on that direction, spread by the link's rate, and
   * after the end of a hold on the path.
   */
  private long arrival(int gen, boolean towardAcceptor, int bytes) {
    int lane = lane(gen, towardAcceptor);
    long at = Math.max(tails.getOrDefault(lane, now), now + delay + (jitter > 0 ? random.nextLong(jitter) : 0))
        + bytes * microsPerKib / 1024;
    long[] hold = holds.get(gen);
    if (towardAcceptor && hold != null && now >= hold[0]) {
      at = Math.max(at, hold[1] + delay);
    }
    tails.put(lane, at);
    return at;
  }

  /** True if connection {@code gen} held what was sent on it at any time since {@code from}. */
  private boolean heldSince(int gen, long from) {
    long[] hold = holds.get(gen);
    return hold != null && hold[0] <= now && hold[1] > from;
  }

  /** Sends a handshake message on {@code gen}; {@code onArrival} runs if it arrives. */
  private void sendHandshake(int gen, boolean towardAcceptor, byte[] body, Runnable onArrival) {
    long at = arrival(gen, towardAcceptor, Wire.HANDSHAKE_HEADER_BYTES + body.length);
    schedule(at, () -> {
      if (!broken.get(gen)) {
        onArrival.run();
      }
    });
  }

  // ---------------------------------------------------------------- recovery and resumes

  /** Called when a side's connection of generation {@code gen} broke and it noticed. */
  private void detached(Side side, long lifeGen) {
    tally.detections++;
    // The simulated connector resumes until both ends are done, also if its own side ended in
    // order: its acceptor may still wait for the last acknowledgement.
    RockLifecycle.Loss loss = side.life.lost(lifeGen, now, false, true, false);
    if (loss != RockLifecycle.Loss.SUSPENDED) {
      throw violation(side.name + " lost its connection with the outcome " + loss);
    }
    if (side == acceptor) {
      long episode = ++acceptorEpisode;
      schedule(now + RECONNECT_TIMEOUT, () -> {
        if (episode == acceptorEpisode && acceptor.life.state() == RockState.SUSPENDED) {
          giveUp(acceptor, "its peer did not come back within the reconnect timeout");
        }
      });
      return;
    }
    if (finished()) {
      return;
    }
    brokenAttempts = 0;
    long pause = recovery.suspended(now, backoff, random);
    long episode = recovery.episode();
    schedule(now + pause, () -> startAttempt(episode));
  }

  private void giveUp(Side side, String why) {
    if (!mustFail) {
      throw violation(side.name + " gave the rock up (" + why + ") after an outage shorter than the"
          + " reconnect timeout");
    }
    side.life.fail(new IOException(why));
    side.attached = false;
    if (side == connector) {
      tally.givenUp++;
      if (now != recovery.deadline(RECONNECT_TIMEOUT)) {
        throw violation("the connector gave up at " + now / MS + " ms, not at its reconnect timeout "
            + recovery.deadline(RECONNECT_TIMEOUT) / MS + " ms");
      }
    }
  }

  /** One reconnection attempt of suspension {@code episode}, as the supervisor makes it. */
  private void startAttempt(long episode) {
    if (episode != recovery.episode() || connector.life.state() != RockState.SUSPENDED || finished()) {
      return;
    }
    int step = recovery.attemptStarts(now, RECONNECT_TIMEOUT);
    if (step == 0) {
      giveUp(connector, "reconnect timeout");
      return;
    }
    tally.attempts++;
    int gen = connect();
    if (now < networkDownUntil) {
      // The dial fails: at once (no route), or at a connect timeout.
      long failsAt = now + (random.nextBoolean() ? 1 : random.nextLong(1, 1_000 * MS));
      schedule(failsAt, () -> attemptFailed(episode, step, gen, "network unreachable"));
      return;
    }
    if (attemptGen >= 0) {
      throw violation("a second attempt started while attempt on connection " + attemptGen + " ran");
    }
    attempt = new Resumption.Attempt(id, key, nonce());
    attemptGen = gen;
    attemptStep = step;
    boolean mayBreak = brokenAttempts < BROKEN_ATTEMPTS;
    int fate = mayBreak ? random.nextInt(20) : 19;
    if (fate < 5) {
      brokenAttempts++;
    }
    switch (fate) {
      case 0 -> broken.set(gen); // RESUME lost: the attempt times out
      case 1 -> schedule(now + delay + 1, () -> broken.set(gen)); // CHALLENGE lost
      case 2 -> connector.breakAfterProof = gen; // PROOF lost: the connector notices by the silence
      case 3 -> holds.put(gen, new long[] {now, now + random.nextLong(1, 20_000 * MS)}); // RESUME held
      case 4 -> connector.holdFromProof = gen; // PROOF held, perhaps until a newer resume attached
      default -> {}
    }
    byte[] resume = attempt.resumeBody();
    long sentAt = now + 2 * delay; // after the TCP handshake
    schedule(sentAt, () -> sendHandshake(gen, true, resume, () -> answerResume(gen, resume)));
    schedule(sentAt + HANDSHAKE_TIMEOUT, () -> {
      if (attemptGen == gen && connector.connectionGen != gen) {
        attemptFailed(episode, step, gen, "no CHALLENGE within the handshake timeout");
      }
    });
  }

  private void attemptFailed(long episode, int step, int gen, String why) {
    if (attemptGen == gen) {
      attemptGen = -1;
      attempt = null;
    }
    broken.set(gen); // the connector closes it
    tally.attemptsFailed++;
    if (episode != recovery.episode() || connector.life.state() != RockState.SUSPENDED) {
      return;
    }
    long at = recovery.attemptFailed(step, new IOException(why), now, backoff, RECONNECT_TIMEOUT, random);
    schedule(at, () -> startAttempt(episode));
  }

  /** The acceptor read RESUME on connection {@code gen}: it answers with its CHALLENGE. */
  private void answerResume(int gen, byte[] resume) {
    if (acceptor.life.isTerminal()) {
      broken.set(gen); // REJECT(UNKNOWN_ROCK): the connector's attempt fails
      return;
    }
    byte[] clientNonce = java.util.Arrays.copyOfRange(resume, Wire.ID_BYTES, resume.length);
    answers.keySet().removeIf(broken::get); // their handshakes ended with their connections
    if (!answers.isEmpty()) {
      tally.concurrentResumes++;
    }
    Resumption.Answer answer = new Resumption.Answer(id, key, clientNonce, nonce(), acceptor.life.nextChallenge());
    answers.put(gen, answer);
    long received = acceptor.session.received();
    boolean fin = acceptor.session.peerFinReceived();
    byte[] challenge = answer.challengeBody(new Resumption.Counts(received, fin));
    sendHandshake(gen, false, challenge, () -> challenged(gen, challenge));
    // What its old connection still delivers after this makes these counts stale; a resume
    // must cope (the acceptor's retransmission starts from the connector's PROOF).
    schedule(now + 2 * delay, () -> {
      if (acceptor.session.received() != received) {
        tally.staleCounts++;
      }
    });
  }

  /** The connector read CHALLENGE on {@code gen}: it checks it, sends PROOF and attaches. */
  private void challenged(int gen, byte[] challenge) {
    if (attackers.get(gen)) {
      if (recordedProof != null && random.nextBoolean()) {
        sendHandshake(gen, true, recordedProof, () -> proved(gen, recordedProof));
      } else {
        byte[] forged = new byte[Wire.handshakeBodyBytes(Wire.PROOF)];
        random.nextBytes(forged);
        forged[8] = 0;
        sendHandshake(gen, true, forged, () -> proved(gen, forged));
      }
      return;
    }
    if (gen != attemptGen || connector.life.state() != RockState.SUSPENDED) {
      return; // an attempt given up: the connector closed it
    }
    Resumption.Counts acceptorCounts;
    try {
      acceptorCounts = attempt.challenged(challenge, "acceptor");
    } catch (RockProtocolException e) {
      throw violation("the connector refused a true CHALLENGE: " + e.getMessage());
    }
    Resumption.Counts own = new Resumption.Counts(connector.session.received(), connector.session.peerFinReceived());
    byte[] proof = attempt.proofBody(own);
    recordedResume = attempt.resumeBody();
    recordedProof = proof;
    if (connector.holdFromProof == gen) {
      holds.put(gen, new long[] {now, now + random.nextLong(1, 20_000 * MS)});
    }
    sendHandshake(gen, true, proof, () -> proved(gen, proof));
    if (connector.breakAfterProof == gen) {
      broken.set(gen);
    }
    Resumption.Decision decision = Resumption.admit(connector.life, connector.session, -1, acceptorCounts);
    if (decision.admission() != Resumption.Admission.ATTACH) {
      throw violation("the connector refused the acceptor's counts: " + decision.reason());
    }
    attemptGen = -1;
    attempt = null;
    recovery.resumed(attemptStep, now);
    tally.resumes++;
    connector.newConnection(gen);
    connector.attachWith(acceptorCounts.received(), acceptorCounts.fin(), -1);
  }

  /** The acceptor read PROOF on {@code gen}: it attaches the connection, or refuses it. */
  private void proved(int gen, byte[] proof) {
    Resumption.Answer answer = answers.remove(gen);
    if (answer == null || acceptor.life.isTerminal()) {
      return; // it rejected the resume (the rock had failed)
    }
    Resumption.Counts counts;
    try {
      counts = answer.proved(proof, "connection " + gen);
    } catch (RockProtocolException e) {
      if (!attackers.get(gen)) {
        throw violation("the acceptor refused a true PROOF: " + e.getMessage());
      }
      tally.forgeriesRefused++;
      broken.set(gen);
      return;
    }
    if (attackers.get(gen)) {
      throw violation("the acceptor took a replayed or forged PROOF on connection " + gen);
    }
    Resumption.Decision decision = Resumption.admit(acceptor.life, acceptor.session, answer.challenge(), counts);
    switch (decision.admission()) {
      case STALE -> {
        tally.staleRefused++;
        broken.set(gen);
      }
      case IMPOSSIBLE -> throw violation("the acceptor found the connector's counts impossible: " + decision.reason());
      case ATTACH -> {
        if (acceptor.connectionGen >= 0 && acceptor.connectionGen != gen) {
          broken.set(acceptor.connectionGen); // it closes the connection it replaces
        }
        acceptor.newConnection(gen);
        acceptor.attachWith(counts.received(), counts.fin(), answer.challenge());
      }
    }
  }

  /**
   * Someone on the path opens a connection to the acceptor and sends the last recorded RESUME (or
   * a made-up one), then answers the CHALLENGE with the recorded PROOF or forged bytes.
   */
  private void forgedResume() {
    if (finished() || now < networkDownUntil) {
      return;
    }
    int gen = connect();
    attackers.set(gen);
    byte[] resume;
    if (recordedResume != null) {
      resume = recordedResume;
    } else {
      resume = ResumeKey.concat(ResumeKey.idBytes(id), nonce());
    }
    sendHandshake(gen, true, resume, () -> answerResume(gen, resume));
  }

  // ---------------------------------------------------------------- one end

  private final class Side {
    final String name;
    final RockSession session;
    final RockLifecycle life = new RockLifecycle(RockState.CONNECTED);
    /** The lifecycle's generation of the connection attached last, and when it attached. */
    long lifeGen;
    long attachedAt;
    /** The connection whose PROOF this side's sending breaks, or holds from then; -1 for none. */
    int breakAfterProof = -1;
    int holdFromProof = -1;
    final FrameWriter frames = new FrameWriter();
    final ByteArrayOutputStream wire = new ByteArrayOutputStream();
    final int inFlightCapacity;
    final int window;
    /** Where this side's stream starts in the pattern ({@link #streamByte}). */
    final long salt = random.nextLong(1L << 40);
    Side peer;
    /** Bytes this side's application writes in all. */
    long planned;
    boolean closeAtEnd;
    long writtenByApp;
    /** Bytes of the peer's stream read and checked, in order. */
    long verified;
    boolean readEnd;
    boolean outputEnded;
    boolean attached;
    int connectionGen = -1;
    /** The connection that delivers nothing more to this side (a black hole towards it), or -1. */
    int deafFrom = -1;
    /** Whether this side, deaf, resets the connection as it detaches. */
    boolean resetsPeerOnDetach;
    /** When a byte last arrived on the current connection. */
    long lastByteAt;
    /** Numbers the watch's looks: only the latest acts. */
    long watchLooks;
    boolean wasIdle;
    /** True while the application waits for a wake-up: it made no progress at its last look. */
    boolean waiting;
    int readPauses;
    /** What arrived on the current connection and is not decoded yet: {@code [inPos, inLimit)}. */
    byte[] inBuf = new byte[1024];
    int inPos;
    int inLimit;
    final DecodedFrame frame = new DecodedFrame();
    long lastSendAt;
    long readPausedUntil;
    final byte[] scratch = new byte[70_000];

    Side(String name, Role role, int inFlightCapacity, int window, long planned, WindowTuning.Budget budget) {
      this.name = name;
      this.planned = planned;
      Liveness liveness = new Liveness(HEARTBEAT * 1000, 3, idleAfterNanos, idleHeartbeatNanos, 0);
      if (budget == null) {
        this.inFlightCapacity = inFlightCapacity;
        this.window = window;
        this.session = new RockSession(role, inFlightCapacity, window, liveness);
      } else {
        this.inFlightCapacity = TUNED_MAX;
        this.window = TUNED_MAX;
        this.session = new RockSession(role, new WindowTuning(window, inFlightCapacity, TUNED_MAX, budget), liveness);
      }
    }

    void newConnection(int gen) {
      connectionGen = gen;
      inPos = 0;
      inLimit = 0;
      lastByteAt = now;
    }

    void attachWith(long peerReceived, boolean peerHasFin, long challenge) {
      String impossible = session.checkPeerCounts(peerReceived, peerHasFin);
      if (impossible != null) {
        throw violation(name + " refused the peer's counts: " + impossible);
      }
      life.attached(now, connectionGen > 0, challenge);
      lifeGen = life.generation();
      attachedAt = now;
      session.attach(peerReceived, peerHasFin, connectionGen > 0);
      attached = true;
      lastSendAt = now;
      afterInput();
      watchAt(now + HEARTBEAT);
    }

    /** Schedules the watch's next look, as RealRock does on the shared timer. */
    void watchAt(long at) {
      long look = ++watchLooks;
      schedule(Math.max(at, now + 1), () -> watch(look));
    }

    /** The shell's watch (RockWatch), on the virtual clock, minus stalls and write errors. */
    void watch(long look) {
      if (look != watchLooks || !attached) {
        return;
      }
      RockSession.Look verdict = session.look(now * 1000, (now - lastByteAt) * 1000, (now - lastSendAt) * 1000, false);
      if (verdict.dead()) {
        // Healthy: both ways worked over the whole silence, with time for the peer's bytes to
        // arrive. A black hole towards the peer is a dead path too: written data then waits for an
        // acknowledgement that cannot come, while the peer's heartbeats arrive. So is a path that
        // held bytes, or a peer that attached the connection only during the silence (its PROOF
        // was held).
        long silentFrom = now - verdict.silenceNanos() / 1000 - delay - jitter;
        boolean healthy =
            !broken.get(connectionGen) && deafFrom != connectionGen && peer.deafFrom != connectionGen
                && peer.attached && peer.connectionGen == connectionGen && peer.attachedAt < silentFrom
                && !heldSince(connectionGen, silentFrom);
        if (healthy) {
          throw violation(name + " suspended a healthy connection after " + verdict.silenceNanos() / 1_000_000
              + " ms of silence; idle " + session.liveness.idle() + ", data waiting " + session.dataWaiting()
              + ", limit " + session.liveness.silenceLimitNanos() / 1_000_000 + " ms");
        }
        int gen = connectionGen;
        detachAt(now, gen);
        if (deafFrom == gen && resetsPeerOnDetach) {
          broken.set(gen);
          peer.detachAt(now + delay, gen); // the reset reaches the peer
        }
        return;
      }
      if (verdict.enteredIdle()) {
        tally.idleEntries++;
      }
      afterInput();
      if (verdict.heartbeatDue() && now > lastSendAt) { // as the writer: unless a batch just went
        session.trimIdle();
        send(true);
      }
      long next = verdict.nextAtNanos() / 1000 - now;
      watchAt(now + Math.max(5 * MS, next));
    }

    void detachAt(long at, int gen) {
      schedule(at, () -> {
        if (attached && connectionGen == gen) {
          attached = false;
          detached(this, lifeGen);
        }
      });
    }

    boolean finished() {
      boolean streamsDone = readEnd && outputEnded && writtenByApp == planned;
      if (!streamsDone) {
        return false;
      }
      // The rock ends CLOSED: done on this side, or everything delivered and the peer done (a
      // resume would find it gone, and the supervisor then ends this side too).
      return session.done() || (session.deliveredEverything() && peer.session.done());
    }

    // -- the application

    void scheduleApplication(long after) {
      schedule(now + after, this::application);
    }

    void application() {
      waiting = false;
      boolean progress = false;
      if (writtenByApp < planned) {
        int want = (int) Math.min(planned - writtenByApp, 1 + random.nextInt(random.nextBoolean() ? 200 : 70_000));
        for (int i = 0; i < want; i++) {
          scratch[i] = streamByte(this, writtenByApp + i);
        }
        int n = session.buffer(scratch, 0, want, now * 1000);
        writtenByApp += n;
        progress |= n > 0;
      } else if (!outputEnded) {
        outputEnded = true;
        if (closeAtEnd) {
          session.close();
          readEnd = true;
        } else {
          session.shutdownOutput();
        }
        progress = true;
      }
      if (!readEnd && now >= readPausedUntil) {
        if (readPauses < 2 && random.nextInt(100) == 0) {
          readPauses++;
          readPausedUntil = now + random.nextLong(1, 40_000 * MS); // stops reading for a while
          tally.readPauses++;
        } else {
          session.activity(now * 1000);
          int n = session.readBuffered(scratch, 0, 1 + random.nextInt(random.nextBoolean() ? 100 : 70_000));
          if (n > 0) {
            for (int i = 0; i < n; i++) {
              if (scratch[i] != streamByte(peer, verified + i)) {
                throw violation(name + " read a wrong byte at offset " + (verified + i));
              }
            }
            verified += n;
            progress = true;
          } else if (n < 0) {
            if (verified != peer.planned) {
              throw violation(name + " read the end after " + verified + " of " + peer.planned + " bytes");
            }
            readEnd = true;
            progress = true;
          }
        }
      }
      if (readEnd && outputEnded && writtenByApp == planned) {
        session.close(); // the application is done with the rock (again, if it closed to end output)
        afterInput();
        return;
      }
      afterInput();
      if (progress) {
        scheduleApplication(random.nextLong(0, 2 * MS)); // it goes on at once, or a little later
      } else {
        // Blocked in read or write: woken by the session (afterInput), or at the end of its pause.
        waiting = true;
        if (now < readPausedUntil && !readEnd) {
          scheduleApplication(readPausedUntil - now);
        }
      }
    }

    // -- frames

    /** Follows the session's wake-ups, as the shell does: sends what became due. */
    void afterInput() {
      int wakeups = session.takeWakeups();
      if ((wakeups & RockSession.WAKE_TIMER) != 0 && attached) {
        watchAt(now);
      }
      if (waiting && (wakeups & (RockSession.WAKE_READERS | RockSession.WAKE_WRITERS)) != 0) {
        waiting = false;
        scheduleApplication(0);
      }
      if (attached
          && (wakeups & (RockSession.WAKE_SENDER | RockSession.WAKE_SENDER_UNLESS_WRITERS)) != 0
          || attached && session.dataLeft()) {
        send(false);
      }
    }

    void send(boolean heartbeat) {
      for (int round = 0; round < 64; round++) {
        session.fill(frames, heartbeat && round == 0, now * 1000);
        if (frames.size() == 0) {
          break;
        }
        wire.reset();
        try {
          frames.flushTo(wire);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        lastSendAt = now;
        transmit(wire.toByteArray());
      }
    }

    /** Sends {@code bytes} towards the peer on the current connection, in random pieces. */
    void transmit(byte[] bytes) {
      int gen = connectionGen;
      int at = 0;
      while (at < bytes.length) {
        int piece = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 32 : 70_000));
        byte[] chunk = java.util.Arrays.copyOfRange(bytes, at, at + piece);
        at += piece;
        long arrival = arrival(gen, this == connector, piece);
        schedule(arrival, () -> peer.arrive(gen, chunk));
      }
    }

    void arrive(int gen, byte[] chunk) {
      if (!attached || gen != connectionGen || broken.get(gen) || gen == deafFrom) {
        return; // a connection that broke or was replaced: its bytes are lost with it
      }
      if (inBuf.length - inLimit < chunk.length) {
        byte[] bigger = inBuf.length - (inLimit - inPos) >= chunk.length ? inBuf
            : new byte[Math.max(2 * inBuf.length, inLimit - inPos + chunk.length)];
        System.arraycopy(inBuf, inPos, bigger, 0, inLimit - inPos);
        inLimit -= inPos;
        inPos = 0;
        inBuf = bigger;
      }
      System.arraycopy(chunk, 0, inBuf, inLimit, chunk.length);
      inLimit += chunk.length;
      lastByteAt = now;
      DecodedFrame reader = frame;
      while (true) {
        int taken;
        try {
          taken = FrameDecoder.decode(inBuf, inPos, inLimit, frame);
        } catch (RockProtocolException e) {
          throw violation(name + " could not decode a frame: " + e.getMessage());
        }
        if (taken < 0) {
          break; // the rest of the frame is still on its way
        }
        inPos += taken;
        byte type = frame.type;
        // As the shell's reader: the follower answers the leader's idle heartbeat at once.
        boolean answer = type == Wire.ACK && session.liveness.answerDue((now - lastSendAt) * 1000);
        try {
          boolean finished = switch (type) {
            case Wire.DATA -> {
              session.onData(
                  reader.offset, inBuf, reader.bodyStart, reader.length, reader.ackRequested, now * 1000);
              yield false;
            }
            case Wire.ACK -> session.onAck(reader.received, reader.windowLimit, reader.flags, now * 1000);
            case Wire.FIN -> {
              session.onFin(reader.offset);
              yield false;
            }
            case Wire.PACE -> {
              session.onPace(reader.paceMillis);
              yield false;
            }
            case Wire.CLOSE -> {
              session.onClose();
              yield true;
            }
            case Wire.CONFIRM -> {
              byte[] tag = java.util.Arrays.copyOfRange(inBuf, reader.bodyStart, reader.bodyStart + ResumeKey.PROOF_BYTES);
              if (session.role == Role.CONNECTOR && !session.keyed()) {
                // The shell checks the acceptor's CONFIRM as the end of the handshake.
                if (!java.util.Arrays.equals(tag, SERVER_TAG)) {
                  throw violation(name + " got a wrong server CONFIRM");
                }
                session.keyed(true, CLIENT_TAG.clone());
              } else {
                session.onConfirm(tag, preShared, "sim", "peer");
              }
              yield false;
            }
            default -> throw violation(name + " got an unexpected frame " + Wire.typeName(type));
          };
          if (finished && session.done()) {
            tally.events++;
          }
        } catch (RockProtocolException e) {
          throw violation(name + " found a protocol error in its peer's frames: " + e.getMessage());
        }
        afterInput();
        if (answer && attached) {
          tally.answers++;
          send(true);
          watchAt(now + MS); // the next look moves to the new deadline (RockWatch.movedLocked)
        }
      }
    }
  }

  /** Random bytes of a prime length, so that no power-of-two shift of a stream maps onto itself. */
  private static final byte[] PATTERN = new byte[65_521];

  static {
    new SplittableRandom(0x524f434bL).nextBytes(PATTERN);
  }

  /**
   * The stream's byte at {@code offset}: a pattern byte that depends on the offset's place in the
   * pattern and on which repetition of the pattern it is in, from a start that depends on the seed
   * and the side. A byte lost, duplicated or moved shows as a wrong byte at once.
   */
  private static byte streamByte(Side side, long offset) {
    long at = offset + side.salt;
    return (byte) (PATTERN[(int) (at % PATTERN.length)] ^ (at / PATTERN.length));
  }

  /** The invariants every step keeps. */
  private void check() {
    checkSide(connector, acceptor);
    checkSide(acceptor, connector);
  }

  private void checkSide(Side side, Side other) {
    RockSession s = side.session;
    RockSession o = other.session;
    if (!(s.acked() <= s.sent() && s.sent() <= s.highestSent() && s.highestSent() <= s.written())) {
      throw violation(side.name + ": send counters out of order");
    }
    if (s.consumed() > s.received()) {
      throw violation(side.name + ": consumed more than received");
    }
    if (s.acked() > o.received()) {
      throw violation(side.name + ": acknowledged " + s.acked() + " but the peer received " + o.received());
    }
    if (o.received() > s.highestSent()) {
      throw violation(other.name + " received more than " + side.name + " sent");
    }
    if (s.bufferedIn() > side.window) {
      throw violation(side.name + ": receive buffer " + s.bufferedIn() + " over its window " + side.window);
    }
    if (s.bufferedOut() > side.inFlightCapacity) {
      throw violation(side.name + ": in-flight buffer over its capacity");
    }
    if (s.tuning() != null
        && (s.receiveWindow() > TUNED_MAX || s.sendBound() > TUNED_MAX || budget.used < 0 || budget.used > budget.limit)) {
      throw violation(side.name + ": windows " + s.receiveWindow() + "/" + s.sendBound() + " or budget " + budget.used
          + " of " + budget.limit + " out of bounds");
    }
    if (s.allocatedBytes() > s.allocationBound()) {
      throw violation(side.name + ": " + s.allocatedBytes() + " bytes allocated, over the bound " + s.allocationBound());
    }
    if (!s.confirmed() && s.role == Role.ACCEPTOR && s.bufferedIn() > Wire.INITIAL_WINDOW) {
      throw violation(side.name + ": buffered more than the initial window for an unconfirmed peer");
    }
    if (s.written() != side.writtenByApp) {
      throw violation(side.name + ": the session counts " + s.written() + " written, the application " + side.writtenByApp);
    }
    if (!s.inputShutdown() && s.consumed() != side.verified) {
      throw violation(side.name + ": the session counts " + s.consumed() + " read, the application " + side.verified);
    }
  }

  private Violation violation(String what) {
    return new Violation(
        "seed " + seed + " (replay with -Drocks-sim.seed=" + seed + "), at " + now / MS + " ms: "
            + what + "\n  connector " + connector.session.describe() + " attached=" + connector.attached
            + "\n  acceptor  " + acceptor.session.describe() + " attached=" + acceptor.attached);
  }

  private void schedule(long at, Runnable action) {
    events.add(new Event(at, sequence++, action));
  }

  private record Event(long at, long sequence, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event other) {
      int byTime = Long.compare(at, other.at);
      return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
    }
  }
}
