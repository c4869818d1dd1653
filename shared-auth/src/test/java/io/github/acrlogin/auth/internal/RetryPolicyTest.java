package io.github.acrlogin.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.AuthEvent;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {

  /** A clock that only moves when the fake sleeper sleeps. */
  static final class FakeClock extends Clock {
    Instant now = Instant.parse("2026-11-21T10:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** Records the delays and advances the clock instead of sleeping. */
  static final class FakeSleeper implements RetryPolicy.Sleeper {
    final FakeClock clock;
    final List<Duration> slept = new ArrayList<>();

    FakeSleeper(FakeClock clock) {
      this.clock = clock;
    }

    @Override
    public void sleep(Duration d) {
      slept.add(d);
      clock.now = clock.now.plus(d);
    }
  }

  /** Always the same "random" fraction. */
  static RandomGenerator fixed(double fraction) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public double nextDouble() {
        return fraction;
      }
    };
  }

  static HttpResponse<String> response(int status, Map<String, List<String>> headers) {
    return new HttpResponse<>() {
      @Override
      public int statusCode() {
        return status;
      }

      @Override
      public HttpRequest request() {
        return HttpRequest.newBuilder(URI.create("https://x.azurecr.io/oauth2/token")).build();
      }

      @Override
      public Optional<HttpResponse<String>> previousResponse() {
        return Optional.empty();
      }

      @Override
      public HttpHeaders headers() {
        return HttpHeaders.of(headers, (a, b) -> true);
      }

      @Override
      public String body() {
        return "";
      }

      @Override
      public Optional<SSLSession> sslSession() {
        return Optional.empty();
      }

      @Override
      public URI uri() {
        return request().uri();
      }

      @Override
      public HttpClient.Version version() {
        return HttpClient.Version.HTTP_1_1;
      }
    };
  }

  static HttpResponse<String> status(int status) {
    return response(status, Map.of());
  }

  static HttpResponse<String> retryAfter(int status, String value) {
    return response(status, Map.of("Retry-After", List.of(value)));
  }

  private final FakeClock clock = new FakeClock();
  private final FakeSleeper sleeper = new FakeSleeper(clock);
  private final List<AuthEvent> events = new ArrayList<>();

  private RetryPolicy.Builder policy(double randomFraction) {
    return RetryPolicy.builder().clock(clock).sleeper(sleeper).random(fixed(randomFraction));
  }

  /** A call that plays the given outcomes (responses or IOExceptions) in order and counts attempts. */
  static final class Script implements RetryPolicy.Call<String> {
    final Iterator<Object> outcomes;
    int attempts;

    Script(Object... outcomes) {
      this.outcomes = List.of(outcomes).iterator();
    }

    @Override
    @SuppressWarnings("unchecked")
    public HttpResponse<String> attempt() throws IOException {
      attempts++;
      Object next = outcomes.next();
      if (next instanceof IOException) {
        throw (IOException) next;
      }
      return (HttpResponse<String>) next;
    }
  }

  @Test
  void defaultsAreFourAttemptsWithinSixtySeconds() {
    RetryPolicy d = RetryPolicy.defaults();
    assertEquals(4, d.maxAttempts());
    assertEquals(Duration.ofSeconds(60), d.totalBudget());
    assertEquals("RetryPolicy{4 attempts, base PT1S x2.0, budget PT1M}", d.toString());
    assertSame(clock, RetryPolicy.defaults(clock).clock());
    assertEquals(Duration.ofSeconds(5), RetryPolicy.defaults(clock).withMaxTotal(Duration.ofSeconds(5)).totalBudget());
  }

  @Test
  void successIsReturnedAtOnce() throws Exception {
    Script call = new Script(status(200));
    assertEquals(200, policy(0.5).build().execute("GET x", call, events::add).statusCode());
    assertEquals(1, call.attempts);
    assertEquals(List.of(), sleeper.slept);
  }

  @Test
  void throttledThenSuccessHonoursRetryAfterSeconds() throws Exception {
    Script call = new Script(retryAfter(429, "3"), status(200));
    assertEquals(200, policy(0.5).build().execute("POST x", call, events::add).statusCode());
    assertEquals(2, call.attempts);
    assertEquals(List.of(Duration.ofSeconds(3)), sleeper.slept);
    assertEquals(1, events.size());
    assertEquals(AuthEvent.Level.INFO, events.get(0).level());
    assertEquals(
        "POST x answered 429; retrying in 3.0 s as Retry-After asks (attempt 2 of 4)", events.get(0).message());
  }

  @Test
  void throttledThenSuccessHonoursRetryAfterHttpDate() throws Exception {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(clock.now.plusSeconds(5), ZoneOffset.UTC));
    Script call = new Script(retryAfter(503, date), status(200));
    assertEquals(200, policy(0.5).build().execute("POST x", call, events::add).statusCode());
    assertEquals(List.of(Duration.ofSeconds(5)), sleeper.slept);
  }

  @Test
  void retryAfterDateInThePastMeansNow() {
    assertEquals(
        Optional.of(Duration.ZERO), policy(0.5).build().retryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"soon", "-1", "1.5", ""})
  void unusableRetryAfterFallsBackToBackoff(String value) throws Exception {
    assertEquals(Optional.empty(), policy(0.5).build().retryAfter(value));
    Script call = new Script(retryAfter(429, value), status(200));
    policy(0.5).build().execute("POST x", call, events::add);
    assertEquals(List.of(Duration.ofMillis(500)), sleeper.slept);
  }

  @Test
  void retryAfterLongerThanTheBudgetIsCappedByWhatRemains() throws Exception {
    Script call = new Script(retryAfter(429, "120"), status(200));
    policy(0.5).totalBudget(Duration.ofSeconds(10)).build().execute("POST x", call, events::add);
    assertEquals(List.of(Duration.ofSeconds(10)), sleeper.slept);
  }

  @Test
  void fiveHundredsBurstThenSuccess() throws Exception {
    Script call = new Script(status(500), status(502), status(504), status(200));
    assertEquals(200, policy(1.0).build().execute("POST x", call, events::add).statusCode());
    assertEquals(4, call.attempts);
    // Full jitter at its maximum: the exponential caps 1 s, 2 s, 4 s.
    assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)), sleeper.slept);
  }

  @Test
  void exhaustedAttemptsReturnTheLastThrottledAnswer() throws Exception {
    Script call = new Script(status(429), status(429), status(429), status(429), status(200));
    assertEquals(429, policy(0.0).build().execute("POST x", call, events::add).statusCode());
    assertEquals(4, call.attempts);
    assertEquals(3, events.size());
  }

  @Test
  void exhaustedBudgetStopsBeforeTheAttemptsRunOut() throws Exception {
    Script call = new Script(retryAfter(429, "4"), retryAfter(429, "4"), retryAfter(429, "4"), status(200));
    HttpResponse<String> last =
        policy(0.5).totalBudget(Duration.ofSeconds(6)).build().execute("POST x", call, events::add);
    assertEquals(429, last.statusCode());
    // 4 s, then only the 2 s left, then nothing.
    assertEquals(List.of(Duration.ofSeconds(4), Duration.ofSeconds(2)), sleeper.slept);
    assertEquals(3, call.attempts);
  }

  @Test
  void jitterStaysBetweenZeroAndTheExponentialCap() {
    for (double fraction : new double[] {0.0, 0.25, 0.999}) {
      RetryPolicy p = policy(fraction).build();
      for (int attempt = 1; attempt <= 6; attempt++) {
        long cap = Math.min(1000L << (attempt - 1), 60_000);
        Duration d = p.delay(attempt, Optional.empty(), Duration.ofMinutes(5));
        assertTrue(!d.isNegative() && d.toMillis() <= cap, attempt + ": " + d);
        assertEquals((long) (fraction * cap), d.toMillis());
      }
    }
  }

  @Test
  void realRandomJitterStaysWithinBounds() {
    RetryPolicy p = RetryPolicy.builder().clock(clock).sleeper(sleeper).build();
    for (int i = 0; i < 1000; i++) {
      Duration d = p.delay(3, Optional.empty(), Duration.ofMinutes(5));
      assertTrue(!d.isNegative() && d.toMillis() <= 4000, d.toString());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 409, 501})
  void otherStatusesAreNotRetried(int code) throws Exception {
    Script call = new Script(status(code), status(200));
    assertEquals(code, policy(0.5).build().execute("POST x", call, events::add).statusCode());
    assertEquals(1, call.attempts);
    assertEquals(List.of(), sleeper.slept);
  }

  @Test
  void connectionFailuresAreRetriedThenSucceed() throws Exception {
    Script call =
        new Script(new ConnectException("Connection refused"), new HttpConnectTimeoutException("timed out"),
            new IOException("Connection reset"), status(200));
    assertEquals(200, policy(0.5).build().execute("POST x", call, events::add).statusCode());
    assertEquals(4, call.attempts);
    assertEquals("POST x failed (ConnectException); retrying in 500 ms (attempt 2 of 4)", events.get(0).message());
  }

  @Test
  void connectionFailuresRethrowTheLastWhenAttemptsRunOut() {
    ConnectException last = new ConnectException("refused 4");
    Script call = new Script(new ConnectException("1"), new ConnectException("2"), new ConnectException("3"), last);
    assertSame(last, assertThrows(ConnectException.class, () -> policy(0.5).build().execute("x", call, events::add)));
    assertEquals(4, call.attempts);
  }

  @Test
  void tlsFailuresAndUnknownHostsAreNotRetried() {
    Script tls = new Script(new SSLHandshakeException("PKIX path building failed"), status(200));
    assertThrows(SSLHandshakeException.class, () -> policy(0.5).build().execute("x", tls, events::add));
    assertEquals(1, tls.attempts);
    Script dns = new Script(new ConnectException("x") {
      {
        initCause(new UnknownHostException("nosuch.azurecr.io"));
      }
    }, status(200));
    assertThrows(ConnectException.class, () -> policy(0.5).build().execute("x", dns, events::add));
    assertEquals(1, dns.attempts);
  }

  @Test
  void retryableStatusesAreExactlyThrottlingAndTransientServerErrors() {
    for (int s = 100; s < 600; s++) {
      assertEquals(s == 429 || s == 500 || s == 502 || s == 503 || s == 504, RetryPolicy.isRetryable(s), "" + s);
    }
  }

  @Test
  void noneMakesOneAttempt() throws Exception {
    Script call = new Script(status(503), status(200));
    assertEquals(503, RetryPolicy.none().execute("x", call, events::add).statusCode());
    assertEquals(1, call.attempts);
  }

  @Test
  void builderReportsEveryProblemAtOnce() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RetryPolicy.builder()
                    .maxAttempts(0)
                    .baseDelay(Duration.ofSeconds(-1))
                    .factor(0.5)
                    .totalBudget(null)
                    .clock(null)
                    .sleeper(null)
                    .random(null)
                    .build());
    assertEquals(
        "Invalid retry policy: max attempts must be at least 1; base delay must not be negative; factor must be at"
            + " least 1; total budget must not be negative; clock is missing; sleeper is missing; random generator"
            + " is missing",
        e.getMessage());
    assertFalse(e.getMessage().isEmpty());
  }
}
