package io.github.acrlogin.auth.internal;

import io.github.acrlogin.auth.AuthEvent;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLException;

/**
 * Retries HTTP calls that failed for reasons that pass: {@code 429} and {@code 500/502/503/504} answers and
 * I/O failures such as a reset or refused connection or a timeout. Delays grow exponentially with full
 * jitter (a random delay between zero and the exponential cap, so many agents throttled at once do not come
 * back in lockstep); a {@code Retry-After} header (seconds or HTTP-date) replaces the computed delay; the
 * whole thing, sleeps included, stays within a total time budget.
 *
 * <p>Never retried: other 4xx (the request itself is wrong and will stay wrong), TLS failures (trust does not
 * fix itself), unknown hosts (a typo in the registry name). Clock, sleeper and randomness are injectable so
 * tests neither sleep nor depend on chance.
 */
public final class RetryPolicy {

  /** Sleeps; injectable so tests do not. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  /** One attempt of a call. */
  @FunctionalInterface
  public interface Call<T> {
    HttpResponse<T> attempt() throws IOException, InterruptedException;
  }

  private static final RetryPolicy DEFAULTS = builder().build();

  private final int maxAttempts;
  private final Duration baseDelay;
  private final double factor;
  private final Duration totalBudget;
  private final Clock clock;
  private final Sleeper sleeper;
  private final RandomGenerator random;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.baseDelay = b.baseDelay;
    this.factor = b.factor;
    this.totalBudget = b.totalBudget;
    this.clock = b.clock;
    this.sleeper = b.sleeper;
    this.random = b.random;
  }

  /** 4 attempts, 1 s base delay doubling each time with full jitter, 60 s in total, real time. */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /** The defaults with another clock (the sleeper still sleeps for real). */
  public static RetryPolicy defaults(Clock clock) {
    return builder().clock(clock).build();
  }

  /** This policy with another total time budget. */
  public RetryPolicy withMaxTotal(Duration totalBudget) {
    return toBuilder().totalBudget(totalBudget).build();
  }

  /** A builder holding this policy's settings. */
  public Builder toBuilder() {
    return new Builder()
        .maxAttempts(maxAttempts)
        .baseDelay(baseDelay)
        .factor(factor)
        .totalBudget(totalBudget)
        .clock(clock)
        .sleeper(sleeper)
        .random(random);
  }

  /** No retries at all (one attempt). */
  public static RetryPolicy none() {
    return builder().maxAttempts(1).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration totalBudget() {
    return totalBudget;
  }

  public Clock clock() {
    return clock;
  }

  /** True for the statuses worth another attempt: 429, 500, 502, 503, 504. */
  public static boolean isRetryable(int status) {
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
  }

  /** True for I/O failures that may pass (reset, refused, timeout); false for TLS and unknown hosts. */
  public static boolean isRetryable(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException
          || t instanceof java.net.UnknownHostException
          || t instanceof UnresolvedAddressException) {
        return false;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return true;
  }

  /**
   * Runs {@code call} until it answers a status that is not retryable, or attempts or time run out.
   *
   * @param what short description for the log, e.g. "POST https://x.azurecr.io/oauth2/exchange"; no secrets
   * @return the last answer, which may still be a 429 or 5xx when retries ran out
   * @throws IOException the last I/O failure, when it was not retryable or retries ran out
   */
  public <T> HttpResponse<T> execute(String what, Call<T> call, Consumer<AuthEvent> events)
      throws IOException, InterruptedException {
    Instant deadline = clock.instant().plus(totalBudget);
    for (int attempt = 1; ; attempt++) {
      HttpResponse<T> response = null;
      IOException failure = null;
      try {
        response = call.attempt();
      } catch (IOException e) {
        failure = e;
      }
      if (response != null && !isRetryable(response.statusCode())) {
        return response;
      }
      if (failure != null && !isRetryable(failure)) {
        throw failure;
      }
      Duration remaining = Duration.between(clock.instant(), deadline);
      if (attempt >= maxAttempts || remaining.isNegative() || remaining.isZero()) {
        if (failure != null) {
          throw failure;
        }
        return response;
      }
      Optional<Duration> retryAfter =
          response == null ? Optional.empty() : response.headers().firstValue("Retry-After").flatMap(this::retryAfter);
      Duration delay = delay(attempt, retryAfter, remaining);
      events.accept(
          AuthEvent.info(
              what
                  + (response != null
                      ? " answered " + response.statusCode()
                      : " failed (" + failure.getClass().getSimpleName() + ")")
                  + "; retrying in "
                  + millis(delay)
                  + (retryAfter.isPresent() ? " as Retry-After asks" : "")
                  + " (attempt "
                  + (attempt + 1)
                  + " of "
                  + maxAttempts
                  + ")"));
      sleeper.sleep(delay);
    }
  }

  /**
   * The delay before retry number {@code attempt} (1 for the first retry): {@code retryAfter} when the server
   * gave one, else a random duration from zero to {@code base * factor^(attempt-1)}; never more than
   * {@code remaining}.
   */
  public Duration delay(int attempt, Optional<Duration> retryAfter, Duration remaining) {
    Duration d;
    if (retryAfter.isPresent()) {
      d = retryAfter.get();
    } else {
      double cap = baseDelay.toMillis() * Math.pow(factor, Math.max(0, attempt - 1));
      cap = Math.min(cap, totalBudget.toMillis());
      d = Duration.ofMillis((long) (random.nextDouble() * cap));
    }
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    return d.compareTo(remaining) > 0 ? remaining : d;
  }

  /**
   * A {@code Retry-After} value as a delay from now: delta-seconds or an HTTP-date (a date in the past means
   * now); empty when it is neither.
   */
  public Optional<Duration> retryAfter(String value) {
    if (value == null) {
      return Optional.empty();
    }
    String v = value.trim();
    if (v.matches("[0-9]{1,9}")) {
      return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(clock.instant(), at);
      return Optional.of(d.isNegative() ? Duration.ZERO : d);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static String millis(Duration d) {
    return d.toMillis() >= 1000 ? String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0) : d.toMillis() + " ms";
  }

  @Override
  public String toString() {
    return "RetryPolicy{" + maxAttempts + " attempts, base " + baseDelay + " x" + factor + ", budget " + totalBudget + "}";
  }

  /** Builds a {@link RetryPolicy}; {@link #build()} reports every invalid value at once. */
  public static final class Builder {
    private int maxAttempts = 4;
    private Duration baseDelay = Duration.ofSeconds(1);
    private double factor = 2;
    private Duration totalBudget = Duration.ofSeconds(60);
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = d -> Thread.sleep(d.toMillis());
    private RandomGenerator random = new Random();

    private Builder() {}

    /** Attempts in total, the first included; 1 means no retry. */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Cap of the first retry's delay. */
    public Builder baseDelay(Duration baseDelay) {
      this.baseDelay = baseDelay;
      return this;
    }

    /** Growth of the cap per retry. */
    public Builder factor(double factor) {
      this.factor = factor;
      return this;
    }

    /** Time for all attempts and sleeps together. */
    public Builder totalBudget(Duration totalBudget) {
      this.totalBudget = totalBudget;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = sleeper;
      return this;
    }

    public Builder random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    public RetryPolicy build() {
      List<String> problems = new ArrayList<>();
      if (maxAttempts < 1) {
        problems.add("max attempts must be at least 1");
      }
      if (baseDelay == null || baseDelay.isNegative()) {
        problems.add("base delay must not be negative");
      }
      if (!(factor >= 1)) {
        problems.add("factor must be at least 1");
      }
      if (totalBudget == null || totalBudget.isNegative()) {
        problems.add("total budget must not be negative");
      }
      if (clock == null) {
        problems.add("clock is missing");
      }
      if (sleeper == null) {
        problems.add("sleeper is missing");
      }
      if (random == null) {
        problems.add("random generator is missing");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid retry policy: " + String.join("; ", problems));
      }
      return new RetryPolicy(this);
    }
  }
}
