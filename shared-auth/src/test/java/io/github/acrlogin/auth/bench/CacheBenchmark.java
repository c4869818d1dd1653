package io.github.acrlogin.auth.bench;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.auth.internal.TokenServiceFake;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.Reason;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.auth.internal.TokenCache;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * A benchmark harness, not a test: it prints numbers and asserts nothing.
 *
 * <ol>
 *   <li><b>Cached-login throughput</b>: calls per second of a cache hit on a warm key, with 1, 2, 8 and 64
 *       threads; the median of 5 runs of {@value #RUN_MILLIS} ms each, after a warm-up.
 *   <li><b>Exchanges per N concurrent cold callers</b>, N = 1, 8, 64, 256, released together on a cold key
 *       against an exchange that takes {@value #EXCHANGE_MILLIS} ms; single flight should make it 1 each.
 * </ol>
 *
 * <p>Run it with:
 *
 * <pre>
 * mvn -q -pl shared-auth test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.github.acrlogin.auth.bench.CacheBenchmark
 * </pre>
 *
 * <p>Each measured system is a {@link Subject}: the token cache alone, and the whole authenticator against the
 * in-process fake of ACR's token service. To measure another one (e.g. the authenticator against a
 * fake token service), add a {@code Supplier<Subject>} to {@link #subjects()}.
 */
public final class CacheBenchmark {

  static final int RUN_MILLIS = 1_000;
  static final int EXCHANGE_MILLIS = 20;
  static final int RUNS = 5;
  static final int[] THREADS = {1, 2, 8, 64};
  static final int[] COLD_CALLERS = {1, 8, 64, 256};

  private static final Registry REGISTRY = Registry.parse("benchmark.azurecr.io");

  /** A system under measurement: one login call, and how many exchanges its backend has seen. */
  public interface Subject {
    /** What the printed rows are labelled with. */
    String name();

    /** One login; the first call on a fresh subject is cold, later ones should be cache hits. */
    Object login() throws Exception;

    /** Exchanges (calls to the simulated token service) so far. */
    int exchanges();
  }

  private CacheBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.out.printf(Locale.ROOT, "JVM %s, %d available processors%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
    for (Supplier<Subject> subject : subjects()) {
      String name = subject.get().name();
      System.out.println();
      System.out.println("== " + name);
      throughput(subject);
      coldCallers(subject);
    }
    AuthenticatorSubject.shutdown();
  }

  /** The systems measured; each supplier yields a fresh, cold one. */
  static List<Supplier<Subject>> subjects() {
    return List.of(() -> new TokenCacheSubject(Duration.ofMillis(EXCHANGE_MILLIS)), AuthenticatorSubject::new);
  }

  // ------------------------------------------------------------------ (a) throughput

  static void throughput(Supplier<Subject> fresh) throws Exception {
    System.out.println("cached-login throughput (warm key, median of " + RUNS + " x " + RUN_MILLIS + " ms):");
    Subject subject = fresh.get();
    subject.login(); // warm the key
    runFor(subject, 1, 500); // and the JIT
    for (int threads : THREADS) {
      double[] rates = new double[RUNS];
      for (int i = 0; i < RUNS; i++) {
        rates[i] = runFor(subject, threads, RUN_MILLIS);
      }
      Arrays.sort(rates);
      System.out.printf(Locale.ROOT, "  %3d thread(s): %,15.0f calls/s  (min %,.0f, max %,.0f)%n",
          threads, rates[RUNS / 2], rates[0], rates[RUNS - 1]);
    }
    System.out.printf(Locale.ROOT, "  exchanges during the throughput runs: %d%n", subject.exchanges());
  }

  /** Calls per second over {@code millis} with {@code threads} threads hammering one warm key. */
  private static double runFor(Subject subject, int threads, int millis) throws Exception {
    LongAdder calls = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    AtomicInteger failures = new AtomicInteger();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        ready.countDown();
        try {
          go.await();
          long n = 0;
          while (!stop.get()) {
            subject.login();
            n++;
          }
          calls.add(n);
        } catch (Exception e) {
          failures.incrementAndGet();
        }
      });
      workers.add(w);
      w.start();
    }
    ready.await();
    long start = System.nanoTime();
    go.countDown();
    Thread.sleep(millis);
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    long elapsed = System.nanoTime() - start;
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " worker(s) failed");
    }
    return calls.sum() * 1e9 / elapsed;
  }

  // ------------------------------------------------------------------ (b) cold callers

  static void coldCallers(Supplier<Subject> fresh) throws Exception {
    System.out.println("exchanges per N concurrent cold callers (released together on a cold key):");
    for (int n : COLD_CALLERS) {
      Subject subject = fresh.get();
      CountDownLatch ready = new CountDownLatch(n);
      CountDownLatch go = new CountDownLatch(1);
      AtomicInteger failures = new AtomicInteger();
      List<Thread> callers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Thread c = new Thread(() -> {
          ready.countDown();
          try {
            go.await();
            subject.login();
          } catch (Exception e) {
            failures.incrementAndGet();
          }
        });
        callers.add(c);
        c.start();
      }
      ready.await();
      long start = System.nanoTime();
      go.countDown();
      for (Thread c : callers) {
        c.join();
      }
      double ms = (System.nanoTime() - start) / 1e6;
      System.out.printf(Locale.ROOT, "  N = %3d: %d exchange(s), all callers done in %6.1f ms%s%n",
          n, subject.exchanges(), ms, failures.get() > 0 ? ", " + failures.get() + " FAILED" : "");
    }
  }

  // ------------------------------------------------------------------ subjects

  /** The token cache alone, over a loader that sleeps like a token exchange. */
  static final class TokenCacheSubject implements Subject {
    private final TokenCache<String, RegistryLogin> cache =
        new TokenCache<>(Clock.systemUTC(), l -> l.expiresAt().orElse(null), AuthEvent.IGNORE);
    private final AtomicInteger exchanges = new AtomicInteger();
    private final Duration exchangeTime;
    private final Secret token = Secret.of("benchmark-refresh-token");
    private final String key = "identity|" + REGISTRY.loginServer();

    TokenCacheSubject(Duration exchangeTime) {
      this.exchangeTime = exchangeTime;
    }

    @Override
    public String name() {
      return "TokenCache (" + exchangeTime.toMillis() + " ms simulated exchange)";
    }

    @Override
    public Object login() throws AcrAuthException {
      return cache.get(key, this::exchange);
    }

    private RegistryLogin exchange() throws AcrAuthException {
      exchanges.incrementAndGet();
      try {
        Thread.sleep(exchangeTime.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw AcrAuthException.because(Reason.UNREACHABLE).registry(REGISTRY.loginServer()).failed();
      }
      return RegistryLogin.refreshToken(REGISTRY, token, Instant.now().plus(Duration.ofHours(3)));
    }

    @Override
    public int exchanges() {
      return exchanges.get();
    }
  }

  /**
   * The whole {@link AcrAuthenticator#login} path (cache, challenge, Entra hop through a caller-supplied
   * credential, exchange over HTTP) against the in-process fake of ACR's token service on 127.0.0.1.
   */
  static final class AuthenticatorSubject implements Subject {
    private static TokenServiceFake acr;
    private final AcrAuthenticator authenticator;
    private final CredentialSource source;
    private final int exchangesBefore;

    AuthenticatorSubject() {
      TokenServiceFake fake = fake();
      this.exchangesBefore = fake.requests("/oauth2/exchange").size();
      this.authenticator = AcrAuthenticator.builder()
          .http(HttpSettings.builder().plainHttpOnLoopback(true).build())
          .environment(Map.of())
          .clientName("benchmark")
          .build();
      String entra = jwt("{\"tid\":\"bench\",\"exp\":" + (Instant.now().getEpochSecond() + 3600) + "}");
      this.source = CredentialSource.entraCredential(request -> Mono.just(new com.azure.core.credential.AccessToken(
          entra, OffsetDateTime.now().plusHours(1))), "benchmark identity");
    }

    private static synchronized TokenServiceFake fake() {
      if (acr == null) {
        try {
          acr = new TokenServiceFake();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        acr.on("/v2/", TokenServiceFake.Reply.json(401, "{}").with("WWW-Authenticate", acr.bearerChallenge()));
        acr.on("/oauth2/exchange", TokenServiceFake.Reply.json(200, "{\"refresh_token\":\""
            + jwt("{\"exp\":" + (Instant.now().getEpochSecond() + 3 * 3600) + "}") + "\"}"));
      }
      return acr;
    }

    static synchronized void shutdown() {
      if (acr != null) {
        acr.close();
      }
    }

    private static String jwt(String claims) {
      java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
      return b64.encodeToString("{\"alg\":\"none\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "."
          + b64.encodeToString(claims.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + ".sig";
    }

    @Override
    public String name() {
      return "AcrAuthenticator.login (fake ACR on 127.0.0.1, real HTTP for challenge and exchange)";
    }

    @Override
    public Object login() throws AcrAuthException {
      return authenticator.login(acr.registry(), source);
    }

    @Override
    public int exchanges() {
      return acr.requests("/oauth2/exchange").size() - exchangesBefore;
    }
  }
}
