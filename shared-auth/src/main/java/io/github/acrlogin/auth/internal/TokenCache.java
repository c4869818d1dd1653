package io.github.acrlogin.auth.internal;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AuthEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A single-flight cache of expiring tokens: ACR refresh tokens per (identity, registry) and access tokens per
 * (identity, registry, scopes).
 *
 * <ul>
 *   <li><b>Freshness.</b> A value is served while {@code now < expiry - margin}, where the margin is the
 *       larger of 5 minutes and 10 % of the value's lifetime (expiry minus load time), but never more than
 *       half the lifetime, so that a token shorter than 10 minutes is still reused for a while instead of
 *       being fetched again on every call.
 *   <li><b>Single flight.</b> At most one load per key runs at a time; callers that arrive meanwhile wait for
 *       it and all receive its value or its exception (the same instance). Different keys load in parallel;
 *       no lock is held across keys or during a load.
 *   <li><b>Failed refresh.</b> When a refresh fails while the old value has not yet expired, the old value is
 *       returned, a warning is emitted, and the key is not loaded again until a backoff (30 s doubling to
 *       5 min by default) has passed. When no valid value remains the failure is thrown and nothing is
 *       cached, so the next caller tries again.
 *   <li><b>Bounded.</b> Beyond {@code maxEntries} keys, expired entries are dropped first, then the least
 *       recently used, so a long-running Jenkins controller does not grow without end.
 * </ul>
 *
 * <p>Time comes from the injected {@link Clock} only, so tests drive expiry and backoff with a fake clock.
 *
 * @param <K> cache key; must not contain secrets (use {@code CredentialSource.cacheKey()})
 * @param <V> cached token
 */
public final class TokenCache<K, V> {

  /** Loads a value on a miss or when the cached one is due for refresh. */
  @FunctionalInterface
  public interface Loader<V> {
    V load() throws AcrAuthException;
  }

  /** Entries kept unless configured otherwise. */
  public static final int DEFAULT_MAX_ENTRIES = 1_000;
  /** Smallest refresh margin. */
  public static final Duration MIN_MARGIN = Duration.ofMinutes(5);
  /** First wait after a failed refresh of a still-valid value. */
  public static final Duration DEFAULT_FIRST_BACKOFF = Duration.ofSeconds(30);
  /** Longest wait after repeated failed refreshes. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(5);

  private final Clock clock;
  private final Function<V, Instant> expiryOf;
  private final Consumer<AuthEvent> events;
  private final int maxEntries;
  private final Duration firstBackoff;
  private final Duration maxBackoff;
  private final ConcurrentHashMap<K, Entry<V>> entries = new ConcurrentHashMap<>();
  // Recency for eviction: a counter rather than the clock, which a test may hold still.
  private final AtomicLong ticks = new AtomicLong();
  // One evictor at a time; others skip, since the running one already brings the size down.
  private final ReentrantLock evicting = new ReentrantLock();

  /**
   * A cache with the default size bound and backoff.
   *
   * @param expiryOf when a value expires; {@code null} means it never does (a username/password login)
   * @param events receives the warning when a refresh fails and a still-valid value is kept
   */
  public TokenCache(Clock clock, Function<V, Instant> expiryOf, Consumer<AuthEvent> events) {
    this(clock, expiryOf, events, DEFAULT_MAX_ENTRIES, DEFAULT_FIRST_BACKOFF, DEFAULT_MAX_BACKOFF);
  }

  /**
   * A cache with explicit bounds.
   *
   * @param maxEntries keys kept at most (at least 1)
   * @param firstBackoff wait after the first failed refresh of a still-valid value; doubles per failure
   * @param maxBackoff the longest such wait
   * @throws IllegalArgumentException listing every invalid argument
   */
  public TokenCache(
      Clock clock,
      Function<V, Instant> expiryOf,
      Consumer<AuthEvent> events,
      int maxEntries,
      Duration firstBackoff,
      Duration maxBackoff) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.expiryOf = Objects.requireNonNull(expiryOf, "expiryOf");
    this.events = Objects.requireNonNull(events, "events");
    List<String> problems = new ArrayList<>();
    if (maxEntries < 1) {
      problems.add("maxEntries must be at least 1, was " + maxEntries);
    }
    if (firstBackoff == null || firstBackoff.isNegative() || firstBackoff.isZero()) {
      problems.add("firstBackoff must be positive, was " + firstBackoff);
    }
    if (maxBackoff == null || (firstBackoff != null && maxBackoff.compareTo(firstBackoff) < 0)) {
      problems.add("maxBackoff must be at least firstBackoff, was " + maxBackoff);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("Invalid token cache settings: " + String.join("; ", problems));
    }
    this.maxEntries = maxEntries;
    this.firstBackoff = firstBackoff;
    this.maxBackoff = maxBackoff;
  }

  /**
   * The cached value for {@code key}, loading it if there is none or it is due for refresh.
   *
   * @throws AcrAuthException the load's failure when no valid value is cached
   * @throws CancellationException if the thread is interrupted while waiting for another caller's load (the
   *     interrupt flag stays set)
   */
  public V get(K key, Loader<V> loader) throws AcrAuthException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(loader, "loader");
    // Fast path for the common hit: no lock, no allocation, no write to shared state unless the recency
    // counter moved since this entry was last used.
    Entry<V> hit = entries.get(key);
    if (hit != null) {
      Fresh<V> f = hit.fresh;
      if (f != null && clock.instant().isBefore(f.refreshAt)) {
        long t = ticks.get();
        if (hit.lastUse != t) {
          hit.lastUse = t;
        }
        return f.value;
      }
    }
    while (true) {
      Entry<V> e = entries.computeIfAbsent(key, k -> new Entry<>());
      CompletableFuture<V> flight;
      synchronized (e) {
        if (e.detached) {
          continue; // invalidated or evicted between lookup and lock; look again
        }
        e.lastUse = ticks.incrementAndGet();
        Instant now = clock.instant();
        if (e.value != null && now.isBefore(e.refreshAt)) {
          return e.value;
        }
        if (e.inFlight != null) {
          flight = e.inFlight;
        } else if (e.value != null && now.isBefore(e.expiry) && now.isBefore(e.retryAfter)) {
          return e.value; // a recent refresh failed; keep the still-valid value until the backoff ends
        } else {
          e.inFlight = new CompletableFuture<>();
          flight = null;
        }
      }
      if (flight == null) {
        V v = loadAsOwner(key, e, loader);
        evictIfFull();
        return v;
      }
      return await(flight);
    }
  }

  private V loadAsOwner(K key, Entry<V> e, Loader<V> loader) throws AcrAuthException {
    CompletableFuture<V> flight = e.inFlight; // set by this thread under the lock; only it clears it
    V loaded;
    Instant expiry;
    try {
      loaded = loader.load();
      if (loaded == null) {
        throw new IllegalStateException("token loader returned null");
      }
      // Inside the try: whatever fails here must still release the waiters.
      expiry = Objects.requireNonNullElse(expiryOf.apply(loaded), Instant.MAX);
    } catch (AcrAuthException failure) {
      return failed(key, e, failure, true);
    } catch (RuntimeException | Error failure) {
      failed(key, e, failure, false);
      throw failure;
    }
    Instant now = clock.instant();
    synchronized (e) {
      e.value = loaded;
      e.expiry = expiry;
      e.refreshAt = expiry.minus(margin(now, expiry));
      e.retryAfter = Instant.MIN;
      e.backoff = null;
      e.inFlight = null;
      e.fresh = new Fresh<>(loaded, e.refreshAt);
    }
    flight.complete(loaded);
    return loaded;
  }

  /**
   * Settles a failed load: returns the still-valid old value (starting a backoff) when {@code keepOld}
   * allows it, else completes the waiters exceptionally, forgets the entry when it holds nothing valid, and
   * throws (for checked failures) or returns null (the caller rethrows unchecked ones).
   */
  private V failed(K key, Entry<V> e, Throwable failure, boolean keepOld) throws AcrAuthException {
    CompletableFuture<V> flight;
    V kept = null;
    Duration wait = null;
    Instant validUntil;
    synchronized (e) {
      validUntil = e.expiry;
      flight = e.inFlight;
      e.inFlight = null;
      Instant now = clock.instant();
      boolean valid = e.value != null && now.isBefore(e.expiry);
      if (valid && keepOld) {
        wait = e.backoff == null ? firstBackoff : min(e.backoff.multipliedBy(2), maxBackoff);
        e.backoff = wait;
        e.retryAfter = now.plus(wait);
        kept = e.value;
      } else if (!valid) {
        // Nothing worth keeping: the next caller starts afresh instead of finding a cached failure.
        e.value = null;
        e.detach();
        entries.remove(key, e);
      }
    }
    if (kept != null) {
      flight.complete(kept); // release the waiters before anything else can go wrong
      try {
        events.accept(
            AuthEvent.warn(
                "Refreshing a cached ACR token failed; using the current one, valid until "
                    + validUntil
                    + ", and trying again in "
                    + wait.toSeconds()
                    + " s. Cause: "
                    + failure.getMessage()));
      } catch (RuntimeException listenerFailure) {
        // A faulty log adapter must not turn a usable token into a failed login.
      }
      return kept;
    }
    flight.completeExceptionally(failure);
    if (failure instanceof AcrAuthException) {
      throw (AcrAuthException) failure;
    }
    return null;
  }

  private V await(CompletableFuture<V> flight) throws AcrAuthException {
    try {
      return flight.get();
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new CancellationException("Interrupted while waiting for another caller's ACR token request");
    } catch (ExecutionException ee) {
      // Rethrow the owner's exception itself, so that every waiter sees the same failure.
      Throwable t = ee.getCause();
      if (t instanceof AcrAuthException) {
        throw (AcrAuthException) t;
      }
      if (t instanceof RuntimeException) {
        throw (RuntimeException) t;
      }
      if (t instanceof Error) {
        throw (Error) t;
      }
      throw new IllegalStateException(t);
    }
  }

  /** Forgets {@code key}'s value; the next {@link #get} loads again. A load in flight still completes. */
  public void invalidate(K key) {
    Entry<V> e = entries.get(Objects.requireNonNull(key, "key"));
    if (e != null) {
      synchronized (e) {
        e.detach();
        entries.remove(key, e);
      }
    }
  }

  /**
   * Forgets {@code key}'s value only if it is still {@code stale} and no refresh is under way, so that many
   * callers that saw the same token rejected (401) cause one reload, not one each.
   *
   * @return true if the value was forgotten
   */
  public boolean invalidate(K key, V stale) {
    Entry<V> e = entries.get(Objects.requireNonNull(key, "key"));
    if (e == null) {
      return false;
    }
    synchronized (e) {
      if (e.inFlight != null || e.value == null || !e.value.equals(stale)) {
        return false;
      }
      e.detach();
      entries.remove(key, e);
      return true;
    }
  }

  /** Forgets the values of every key that matches, e.g. all access tokens of one login. */
  public void invalidateIf(Predicate<? super K> which) {
    Objects.requireNonNull(which, "which");
    for (K key : entries.keySet()) {
      if (which.test(key)) {
        invalidate(key);
      }
    }
  }

  /** Forgets every value. */
  public void invalidateAll() {
    invalidateIf(k -> true);
  }

  /** Keys held, including those whose first load is under way. */
  public int size() {
    return entries.size();
  }

  /** The refresh margin for a value loaded at {@code loadedAt} that expires at {@code expiry}. */
  static Duration margin(Instant loadedAt, Instant expiry) {
    Duration lifetime = Duration.between(loadedAt, expiry);
    if (lifetime.isNegative()) {
      return Duration.ZERO;
    }
    Duration margin = max(MIN_MARGIN, lifetime.dividedBy(10));
    return min(margin, lifetime.dividedBy(2));
  }

  private void evictIfFull() {
    if (entries.size() <= maxEntries || !evicting.tryLock()) {
      return;
    }
    try {
      evict(entries.size() - maxEntries);
    } finally {
      evicting.unlock();
    }
  }

  private void evict(int excess) {
    if (excess <= 0) {
      return;
    }
    Instant now = clock.instant();
    List<Candidate<K, V>> candidates = new ArrayList<>();
    for (Map.Entry<K, Entry<V>> me : entries.entrySet()) {
      Entry<V> e = me.getValue();
      synchronized (e) {
        if (e.inFlight != null || e.detached) {
          continue; // never drop a load in progress; its callers are waiting on it
        }
        if (e.value == null || !now.isBefore(e.expiry)) {
          e.detach();
          entries.remove(me.getKey(), e);
          if (--excess == 0) {
            return;
          }
          continue;
        }
        candidates.add(new Candidate<>(me.getKey(), e, e.lastUse));
      }
    }
    candidates.sort((a, b) -> Long.compare(a.lastUse, b.lastUse));
    for (Candidate<K, V> c : candidates) {
      if (excess <= 0) {
        return;
      }
      synchronized (c.entry) {
        if (c.entry.inFlight == null && !c.entry.detached) {
          c.entry.detach();
          entries.remove(c.key, c.entry);
          excess--;
        }
      }
    }
  }

  private static final class Candidate<K, V> {
    final K key;
    final Entry<V> entry;
    final long lastUse;

    Candidate(K key, Entry<V> entry, long lastUse) {
      this.key = key;
      this.entry = entry;
      this.lastUse = lastUse;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** One key's state; every field is guarded by the entry's own monitor. */
  private static final class Entry<V> {
    V value;
    Instant expiry = Instant.MIN;
    Instant refreshAt = Instant.MIN;
    Instant retryAfter = Instant.MIN;
    Duration backoff;
    CompletableFuture<V> inFlight;
    // Written racily by the hit path; eviction order only needs to be roughly right.
    volatile long lastUse;
    // Removed from the map: a caller holding a stale reference must look the key up again.
    boolean detached;
    // Written under the lock, read without it by the hit path; null when there is nothing to serve.
    volatile Fresh<V> fresh;

    void detach() {
      detached = true;
      fresh = null;
    }
  }

  /** A value and the instant it stops being served without a refresh, published together. */
  private static final class Fresh<V> {
    final V value;
    final Instant refreshAt;

    Fresh(V value, Instant refreshAt) {
      this.value = value;
      this.refreshAt = refreshAt;
    }
  }
}
