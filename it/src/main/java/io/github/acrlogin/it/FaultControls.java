package io.github.acrlogin.it;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tells the emulator to misbehave: throttling, 5xx bursts, latency, dropped connections, short token
 * lifetimes, a skewed clock and ACR's concurrent-push limit. Rules apply to one {@link Endpoint} or to
 * all of them; counted rules ("the next N requests") are consumed atomically, so concurrent tests see
 * exactly N faults. Thread-safe; {@link #reset()} restores normal behaviour.
 */
public final class FaultControls {
  /** Entra access tokens: about an hour, as {@code expires_in: 3599}. */
  public static final Duration DEFAULT_ENTRA_TOKEN_LIFETIME = Duration.ofSeconds(3599);
  /** ACR refresh tokens: about three hours (ACR-PROTOCOL.md section 3). */
  public static final Duration DEFAULT_REFRESH_TOKEN_LIFETIME = Duration.ofHours(3);
  /** ACR access tokens: 75 minutes in the one published sample. */
  public static final Duration DEFAULT_ACCESS_TOKEN_LIFETIME = Duration.ofMinutes(75);
  /** ACR's published limit of concurrent pushes per registry (seed 003). */
  public static final int ACR_CONCURRENT_PUSH_LIMIT = 5;

  private static final Endpoint ALL = null;

  private final Map<String, Rules> rules = new ConcurrentHashMap<>();
  private volatile Duration skew = Duration.ZERO;
  private volatile Duration entraLifetime = DEFAULT_ENTRA_TOKEN_LIFETIME;
  private volatile Duration refreshLifetime = DEFAULT_REFRESH_TOKEN_LIFETIME;
  private volatile Duration accessLifetime = DEFAULT_ACCESS_TOKEN_LIFETIME;
  private volatile PushLimit pushLimit;
  private final Clock base;

  FaultControls(Clock base) {
    this.base = base;
  }

  /** The next {@code n} requests to {@code endpoint} answer 429 with {@code Retry-After: seconds}. */
  public FaultControls throttle(Endpoint endpoint, int n, int retryAfterSeconds) {
    Rules r = rules(endpoint);
    r.retryAfter = retryAfterSeconds;
    r.throttle.set(n);
    return this;
  }

  /** The next {@code n} requests to any endpoint answer 429 with {@code Retry-After: seconds}. */
  public FaultControls throttle(int n, int retryAfterSeconds) {
    return throttle(ALL, n, retryAfterSeconds);
  }

  /** The next {@code n} requests to {@code endpoint} answer 503. */
  public FaultControls serverErrors(Endpoint endpoint, int n) {
    rules(endpoint).serverErrors.set(n);
    return this;
  }

  /** The next {@code n} requests to any endpoint answer 503. */
  public FaultControls serverErrors(int n) {
    return serverErrors(ALL, n);
  }

  /** The next {@code n} requests to {@code endpoint} are read and then closed without an answer. */
  public FaultControls dropConnections(Endpoint endpoint, int n) {
    rules(endpoint).drops.set(n);
    return this;
  }

  /** The next {@code n} requests to any endpoint are closed without an answer. */
  public FaultControls dropConnections(int n) {
    return dropConnections(ALL, n);
  }

  /** Every request to {@code endpoint} waits {@code delay} before being answered. */
  public FaultControls latency(Endpoint endpoint, Duration delay) {
    rules(endpoint).latency = Objects.requireNonNull(delay);
    return this;
  }

  /** Every request to any endpoint waits {@code delay} before being answered. */
  public FaultControls latency(Duration delay) {
    return latency(ALL, delay);
  }

  /**
   * Shifts the emulator's clock by {@code offset} (positive: the emulator is ahead). Tokens it issues
   * then carry skewed {@code iat}/{@code nbf}/{@code exp}, which the real registry checks with its own
   * clock; tokens it validates are judged by the skewed clock.
   */
  public FaultControls clockSkew(Duration offset) {
    this.skew = Objects.requireNonNull(offset);
    return this;
  }

  /** Lifetime of the Entra tokens (client credentials and managed identity) issued from now on. */
  public FaultControls entraTokenLifetime(Duration lifetime) {
    this.entraLifetime = positive(lifetime);
    return this;
  }

  /** Lifetime of the ACR refresh tokens issued from now on. */
  public FaultControls refreshTokenLifetime(Duration lifetime) {
    this.refreshLifetime = positive(lifetime);
    return this;
  }

  /** Lifetime of the ACR access tokens issued from now on. */
  public FaultControls accessTokenLifetime(Duration lifetime) {
    this.accessLifetime = positive(lifetime);
    return this;
  }

  /**
   * Enforces ACR's concurrent-push limit on every registry. The emulator never sees blob traffic (it
   * goes straight to the real registry), so a "push in progress" is approximated as a distinct
   * (identity, repository) pair that was granted {@code push} within the last {@code window}: granting a
   * push token to a {@code max+1}-th pair inside the window answers 429 with {@code Retry-After}.
   * The same client refreshing its token for the same repository does not take another slot. A request for
   * push on several repositories is admitted for all of them or for none. Calling this again, or
   * {@link #reset()}, forgets the pushes counted so far.
   */
  public FaultControls limitConcurrentPushes(int max, Duration window) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be at least 1");
    }
    this.pushLimit = new PushLimit(max, positive(window));
    return this;
  }

  /** Restores normal behaviour: no faults, no skew, default lifetimes, no push limit (nor pushes counted). */
  public void reset() {
    rules.clear();
    skew = Duration.ZERO;
    entraLifetime = DEFAULT_ENTRA_TOKEN_LIFETIME;
    refreshLifetime = DEFAULT_REFRESH_TOKEN_LIFETIME;
    accessLifetime = DEFAULT_ACCESS_TOKEN_LIFETIME;
    pushLimit = null;
  }

  /** The emulator's notion of now (the real clock plus the configured skew). */
  public Instant now() {
    return base.instant().plus(skew);
  }

  Duration entraLifetime() {
    return entraLifetime;
  }

  Duration refreshLifetime() {
    return refreshLifetime;
  }

  Duration accessLifetime() {
    return accessLifetime;
  }

  PushLimit pushLimit() {
    return pushLimit;
  }

  /** What to do with one request; consumes counted rules (endpoint-specific first). */
  Fault next(Endpoint endpoint) {
    Duration delay = Duration.ZERO;
    for (Rules r : new Rules[] {rules.get(key(endpoint)), rules.get(key(ALL))}) {
      if (r != null && r.latency.compareTo(delay) > 0) {
        delay = r.latency;
      }
    }
    for (Rules r : new Rules[] {rules.get(key(endpoint)), rules.get(key(ALL))}) {
      if (r == null) {
        continue;
      }
      if (take(r.drops)) {
        return new Fault(Fault.Kind.DROP, 0, delay);
      }
      if (take(r.throttle)) {
        return new Fault(Fault.Kind.THROTTLE, r.retryAfter, delay);
      }
      if (take(r.serverErrors)) {
        return new Fault(Fault.Kind.SERVER_ERROR, 0, delay);
      }
    }
    return new Fault(Fault.Kind.NONE, 0, delay);
  }

  private static boolean take(AtomicInteger counter) {
    return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
  }

  private Rules rules(Endpoint endpoint) {
    return rules.computeIfAbsent(key(endpoint), k -> new Rules());
  }

  private static String key(Endpoint endpoint) {
    return endpoint == null ? "*" : endpoint.name();
  }

  private static Duration positive(Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("a lifetime or window must be positive, got " + d);
    }
    return d;
  }

  private static final class Rules {
    final AtomicInteger throttle = new AtomicInteger();
    final AtomicInteger serverErrors = new AtomicInteger();
    final AtomicInteger drops = new AtomicInteger();
    volatile int retryAfter = 1;
    volatile Duration latency = Duration.ZERO;
  }

  /** The fault chosen for one request. */
  record Fault(Kind kind, int retryAfterSeconds, Duration delay) {
    enum Kind { NONE, THROTTLE, SERVER_ERROR, DROP }
  }

  /**
   * The configured concurrent-push limit and, per registry, the pushes it has admitted: they live and die
   * with the limit, so {@link #reset()} and a new {@link #limitConcurrentPushes} start from none.
   */
  static final class PushLimit {
    private final int max;
    private final Duration window;
    /** Per login server: each (subject, repository) pair to when push was last granted; the inner map is the lock. */
    private final Map<String, Map<String, Instant>> grants = new ConcurrentHashMap<>();

    PushLimit(int max, Duration window) {
      this.max = max;
      this.window = window;
    }

    Duration window() {
      return window;
    }

    /**
     * Admits push grants for {@code subject} on every one of {@code repositories} of {@code registry}, or on
     * none: under the registry's lock, the pairs not granted within the window must all fit under the limit,
     * and only then are they all recorded (pairs granted already only get their time refreshed).
     */
    boolean admit(String registry, String subject, Collection<String> repositories, Instant now) {
      Map<String, Instant> granted = grants.computeIfAbsent(registry, k -> new HashMap<>());
      synchronized (granted) {
        granted.values().removeIf(t -> t.plus(window).isBefore(now));
        Set<String> pairs = new LinkedHashSet<>();
        for (String repository : repositories) {
          pairs.add(subject + "\n" + repository);
        }
        long added = pairs.stream().filter(pair -> !granted.containsKey(pair)).count();
        if (granted.size() + added > max) {
          return false;
        }
        pairs.forEach(pair -> granted.put(pair, now));
        return true;
      }
    }
  }
}
