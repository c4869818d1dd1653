package io.github.acrlogin.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TokenCacheTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final MutableClock clock = new MutableClock(T0);
  private final List<AuthEvent> events = new CopyOnWriteArrayList<>();
  private final TokenCache<String, Token> cache = new TokenCache<>(clock, Token::expiry, events::add);
  private final AtomicInteger loads = new AtomicInteger();
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void shutDown() {
    pool.shutdownNow();
  }

  // ------------------------------------------------------------------ freshness

  @Test
  void secondGetIsServedFromCacheWithoutLoading() throws Exception {
    Token first = cache.get("k", loaderFor("a", Duration.ofHours(3)));
    Token second = cache.get("k", loaderFor("b", Duration.ofHours(3)));

    assertSame(first, second);
    assertEquals(1, loads.get());
    assertEquals(1, cache.size());
  }

  @Test
  void longLivedTokenIsRefreshedExactlyTenPercentBeforeExpiry() throws Exception {
    // 3 h lifetime: 10 % = 18 min > 5 min.
    cache.get("k", loaderFor("a", Duration.ofHours(3)));

    clock.set(T0.plus(Duration.ofHours(3)).minus(Duration.ofMinutes(18)).minusNanos(1));
    assertEquals("a", cache.get("k", loaderFor("b", Duration.ofHours(3))).name);

    clock.set(T0.plus(Duration.ofHours(3)).minus(Duration.ofMinutes(18)));
    assertEquals("b", cache.get("k", loaderFor("b", Duration.ofHours(3))).name);
    assertEquals(2, loads.get());
  }

  @Test
  void shortLivedTokenIsRefreshedExactlyFiveMinutesBeforeExpiry() throws Exception {
    // 30 min lifetime: 10 % = 3 min < 5 min, so the 5 min floor applies.
    cache.get("k", loaderFor("a", Duration.ofMinutes(30)));

    clock.set(T0.plus(Duration.ofMinutes(25)).minusNanos(1));
    assertEquals("a", cache.get("k", loaderFor("b", Duration.ofMinutes(30))).name);

    clock.set(T0.plus(Duration.ofMinutes(25)));
    assertEquals("b", cache.get("k", loaderFor("b", Duration.ofMinutes(30))).name);
  }

  @Test
  void marginIsMeasuredFromLoadTimeNotFromCallTime() throws Exception {
    TokenCache.Loader<Token> slow =
        () -> {
          loads.incrementAndGet();
          Token t = new Token("a", T0.plus(Duration.ofHours(3)));
          clock.advance(Duration.ofMinutes(140)); // the load itself took 140 minutes of fake time
          return t;
        };
    cache.get("k", slow);
    // Lifetime from load completion is 40 min, so the margin is the 5 min floor, not 10 % of 3 h.
    clock.set(T0.plus(Duration.ofMinutes(175)).minusNanos(1));
    assertEquals("a", cache.get("k", loaderFor("b", Duration.ofHours(3))).name);
    clock.set(T0.plus(Duration.ofMinutes(175)));
    assertEquals("b", cache.get("k", loaderFor("b", Duration.ofHours(3))).name);
  }

  @Test
  void marginNeverExceedsHalfTheLifetime() {
    assertEquals(Duration.ofMinutes(18), TokenCache.margin(T0, T0.plus(Duration.ofHours(3))));
    assertEquals(Duration.ofMinutes(5), TokenCache.margin(T0, T0.plus(Duration.ofMinutes(30))));
    assertEquals(Duration.ofMinutes(1), TokenCache.margin(T0, T0.plus(Duration.ofMinutes(2))));
    assertEquals(Duration.ZERO, TokenCache.margin(T0, T0.minusSeconds(1)));
  }

  @Test
  void valueWithoutExpiryIsKeptForever() throws Exception {
    TokenCache<String, Token> forever = new TokenCache<>(clock, t -> null, events::add);
    forever.get("k", loaderFor("a", Duration.ZERO));
    clock.advance(Duration.ofDays(3650));
    assertEquals("a", forever.get("k", loaderFor("b", Duration.ZERO)).name);
    assertEquals(1, loads.get());
  }

  // ------------------------------------------------------------------ single flight

  @Test
  void sixtyFourConcurrentCallersOnAColdKeyCauseOneLoad() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch loading = new CountDownLatch(1);
    TokenCache.Loader<Token> held =
        () -> {
          loads.incrementAndGet();
          loading.countDown();
          await(release);
          return new Token("a", T0.plus(Duration.ofHours(3)));
        };
    CountDownLatch started = new CountDownLatch(64);
    List<Future<Token>> results = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      results.add(pool.submit(() -> {
        started.countDown();
        return cache.get("k", held);
      }));
    }
    started.await();
    loading.await();
    Thread.sleep(100); // let the other 63 reach the wait
    release.countDown();

    Token first = results.get(0).get();
    for (Future<Token> f : results) {
      assertSame(first, f.get());
    }
    assertEquals(1, loads.get());
  }

  @Test
  void waitersReceiveTheSameExceptionAsTheLoader() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch loading = new CountDownLatch(1);
    AcrAuthException boom = failure();
    TokenCache.Loader<Token> failing =
        () -> {
          loads.incrementAndGet();
          loading.countDown();
          await(release);
          throw boom;
        };
    List<Future<Token>> results = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      results.add(pool.submit(() -> cache.get("k", failing)));
    }
    loading.await();
    Thread.sleep(100);
    release.countDown();

    for (Future<Token> f : results) {
      try {
        f.get();
        fail("expected the load's failure");
      } catch (java.util.concurrent.ExecutionException e) {
        assertSame(boom, e.getCause());
      }
    }
    assertEquals(1, loads.get());
  }

  @Test
  void failedColdLoadIsNotCachedSoTheNextCallerTriesAgain() throws Exception {
    AcrAuthException boom = failure();
    assertThrows(AcrAuthException.class, () -> cache.get("k", () -> {
      loads.incrementAndGet();
      throw boom;
    }));
    assertEquals(0, cache.size());

    assertEquals("a", cache.get("k", loaderFor("a", Duration.ofHours(1))).name);
    assertEquals(2, loads.get());
  }

  @Test
  void differentKeysLoadInParallel() throws Exception {
    // Each loader waits until both are running: this only finishes if neither blocks the other.
    CountDownLatch bothLoading = new CountDownLatch(2);
    TokenCache.Loader<Token> rendezvous =
        () -> {
          bothLoading.countDown();
          try {
            if (!bothLoading.await(10, TimeUnit.SECONDS)) {
              throw new IllegalStateException("the other key's load never started");
            }
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return new Token(Thread.currentThread().getName(), T0.plus(Duration.ofHours(1)));
        };
    Future<Token> a = pool.submit(() -> cache.get("a", rendezvous));
    Future<Token> b = pool.submit(() -> cache.get("b", rendezvous));

    a.get(15, TimeUnit.SECONDS);
    b.get(15, TimeUnit.SECONDS);
    assertEquals(2, cache.size());
  }

  @Test
  void runtimeFailureOfTheLoaderReachesEveryWaiterAndIsNotCached() {
    IllegalStateException bug = new IllegalStateException("bug");
    IllegalStateException thrown =
        assertThrows(IllegalStateException.class, () -> cache.get("k", () -> {
          throw bug;
        }));
    assertSame(bug, thrown);
    assertEquals(0, cache.size());
  }

  // ------------------------------------------------------------------ failed refresh

  @Test
  void failingExpiryFunctionStillReleasesWaitersAndCachesNothing() {
    TokenCache<String, Token> broken = new TokenCache<>(clock, t -> {
      throw new IllegalStateException("no exp claim");
    }, events::add);
    assertThrows(IllegalStateException.class, () -> broken.get("k", loaderFor("a", Duration.ofHours(1))));
    assertEquals(0, broken.size());
  }

  @Test
  void failedRefreshKeepsStillValidTokenWarnsAndBacksOff() throws Exception {
    Token a = cache.get("k", loaderFor("a", Duration.ofHours(3)));
    clock.set(T0.plus(Duration.ofMinutes(170))); // inside the 18 min margin, not expired
    AtomicInteger failures = new AtomicInteger();
    TokenCache.Loader<Token> failing =
        () -> {
          failures.incrementAndGet();
          throw failure();
        };

    assertSame(a, cache.get("k", failing));
    assertEquals(1, failures.get());
    assertEquals(1, events.size());
    assertEquals(AuthEvent.Level.WARN, events.get(0).level());
    assertTrue(events.get(0).message().contains("30 s"), events.get(0).message());

    // Within the backoff: no new attempt.
    clock.advance(Duration.ofSeconds(29));
    assertSame(a, cache.get("k", failing));
    assertEquals(1, failures.get());

    // After it: one new attempt, and the backoff doubles.
    clock.advance(Duration.ofSeconds(1));
    assertSame(a, cache.get("k", failing));
    assertEquals(2, failures.get());
    assertTrue(events.get(1).message().contains("60 s"), events.get(1).message());

    clock.advance(Duration.ofSeconds(60));
    assertEquals("b", cache.get("k", loaderFor("b", Duration.ofHours(3))).name);
  }

  @Test
  void backoffDoublesUpToItsCeiling() throws Exception {
    TokenCache<String, Token> c =
        new TokenCache<>(clock, Token::expiry, events::add, 10, Duration.ofSeconds(30), Duration.ofSeconds(100));
    c.get("k", loaderFor("a", Duration.ofDays(1)));
    clock.set(T0.plus(Duration.ofHours(22)));
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      c.get("k", () -> {
        throw failure();
      });
      String m = events.get(events.size() - 1).message();
      waits.add(Long.parseLong(m.replaceAll(".*trying again in (\\d+) s.*", "$1")));
      clock.advance(Duration.ofSeconds(waits.get(i)));
    }
    assertEquals(List.of(30L, 60L, 100L, 100L), waits);
  }

  @Test
  void failedRefreshOfExpiredTokenThrowsAndForgetsIt() throws Exception {
    cache.get("k", loaderFor("a", Duration.ofHours(1)));
    clock.set(T0.plus(Duration.ofHours(1)));
    AcrAuthException boom = failure();

    AcrAuthException thrown = assertThrows(AcrAuthException.class, () -> cache.get("k", () -> {
      throw boom;
    }));
    assertSame(boom, thrown);
    assertEquals(0, cache.size());
    assertTrue(events.isEmpty());
  }

  @Test
  void concurrentCallersDuringFailedRefreshAllGetTheOldToken() throws Exception {
    Token a = cache.get("k", loaderFor("a", Duration.ofHours(3)));
    clock.set(T0.plus(Duration.ofMinutes(170)));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch loading = new CountDownLatch(1);
    TokenCache.Loader<Token> failing =
        () -> {
          loads.incrementAndGet();
          loading.countDown();
          await(release);
          throw failure();
        };
    List<Future<Token>> results = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      results.add(pool.submit(() -> cache.get("k", failing)));
    }
    loading.await();
    Thread.sleep(50);
    release.countDown();
    for (Future<Token> f : results) {
      assertSame(a, f.get());
    }
    assertEquals(2, loads.get());
    assertEquals(1, events.size());
  }

  // ------------------------------------------------------------------ invalidation and bounds

  @Test
  void invalidateForcesTheNextGetToLoad() throws Exception {
    cache.get("k", loaderFor("a", Duration.ofHours(3)));
    cache.invalidate("k");
    assertEquals(0, cache.size());
    assertEquals("b", cache.get("k", loaderFor("b", Duration.ofHours(3))).name);
  }

  @Test
  void invalidateOfAStaleValueIgnoresANewerOne() throws Exception {
    Token a = cache.get("k", loaderFor("a", Duration.ofHours(3)));
    assertTrue(cache.invalidate("k", a));
    Token b = cache.get("k", loaderFor("b", Duration.ofHours(3)));

    // A second caller that also saw "a" rejected must not throw away "b".
    assertTrue(!cache.invalidate("k", a));
    assertSame(b, cache.get("k", loaderFor("c", Duration.ofHours(3))));
  }

  @Test
  void invalidateIfForgetsOnlyMatchingKeys() throws Exception {
    cache.get("login1|repo-a", loaderFor("a", Duration.ofHours(3)));
    cache.get("login1|repo-b", loaderFor("b", Duration.ofHours(3)));
    cache.get("login2|repo-a", loaderFor("c", Duration.ofHours(3)));
    cache.invalidateIf(k -> k.startsWith("login1|"));
    assertEquals(1, cache.size());
    assertEquals("c", cache.get("login2|repo-a", loaderFor("never", Duration.ofHours(3))).name);
  }

  @Test
  void invalidateAllEmptiesTheCache() throws Exception {
    cache.get("a", loaderFor("a", Duration.ofHours(3)));
    cache.get("b", loaderFor("b", Duration.ofHours(3)));
    cache.invalidateAll();
    assertEquals(0, cache.size());
  }

  @Test
  void sizeIsBoundedEvictingExpiredFirstThenLeastRecentlyUsed() throws Exception {
    TokenCache<String, Token> small =
        new TokenCache<>(clock, Token::expiry, events::add, 3, Duration.ofSeconds(30), Duration.ofMinutes(5));
    small.get("expiring", loaderFor("x", Duration.ofMinutes(10)));
    small.get("old", loaderFor("o", Duration.ofHours(3)));
    small.get("used", loaderFor("u", Duration.ofHours(3)));
    clock.advance(Duration.ofMinutes(11));
    small.get("new1", loaderFor("n1", Duration.ofHours(3))); // drops the expired entry
    assertEquals(3, small.size());
    small.get("used", loaderFor("never", Duration.ofHours(3))); // touch: "old" is now least recently used
    small.get("new2", loaderFor("n2", Duration.ofHours(3)));

    assertEquals(3, small.size());
    int before = loads.get();
    assertEquals("u", small.get("used", loaderFor("never", Duration.ofHours(3))).name);
    assertEquals("n1", small.get("new1", loaderFor("never", Duration.ofHours(3))).name);
    assertEquals("o2", small.get("old", loaderFor("o2", Duration.ofHours(3))).name);
    assertEquals(before + 1, loads.get());
  }

  @Test
  void invalidSettingsAreReportedTogether() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class,
            () -> new TokenCache<String, Token>(clock, Token::expiry, events::add, 0, Duration.ZERO, null));
    assertTrue(e.getMessage().contains("maxEntries"), e.getMessage());
    assertTrue(e.getMessage().contains("firstBackoff"), e.getMessage());
    assertTrue(e.getMessage().contains("maxBackoff"), e.getMessage());
  }

  @Test
  void interruptedWaiterGivesUpAndKeepsItsInterruptFlag() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch loading = new CountDownLatch(1);
    pool.submit(() -> cache.get("k", () -> {
      loading.countDown();
      await(release);
      return new Token("a", T0.plus(Duration.ofHours(1)));
    }));
    loading.await();
    AtomicInteger outcome = new AtomicInteger();
    Thread waiter = new Thread(() -> {
      try {
        cache.get("k", loaderFor("never", Duration.ofHours(1)));
      } catch (java.util.concurrent.CancellationException e) {
        outcome.set(Thread.currentThread().isInterrupted() ? 1 : 2);
      } catch (AcrAuthException e) {
        outcome.set(3);
      }
    });
    waiter.start();
    Thread.sleep(100);
    waiter.interrupt();
    waiter.join(5_000);
    release.countDown();
    assertEquals(1, outcome.get());
  }

  // ------------------------------------------------------------------ helpers

  private TokenCache.Loader<Token> loaderFor(String name, Duration lifetime) {
    return () -> {
      loads.incrementAndGet();
      return new Token(name, clock.instant().plus(lifetime));
    };
  }

  private static AcrAuthException failure() {
    return AcrAuthException.because(Reason.SERVICE_UNAVAILABLE).registry("myregistry.azurecr.io").failed();
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static final class Token {
    final String name;
    final Instant expiry;

    Token(String name, Instant expiry) {
      this.name = name;
      this.expiry = expiry;
    }

    Instant expiry() {
      return expiry;
    }
  }

  /** A clock that stands still until told to move. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
