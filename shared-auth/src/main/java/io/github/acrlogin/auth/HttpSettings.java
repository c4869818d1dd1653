package io.github.acrlogin.auth;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Transport settings shared by the Entra hop and the ACR calls: timeouts, TLS trust, and whether plain
 * HTTP is allowed to a loopback registry (tests only). Proxies come from the environment
 * ({@code https_proxy}, {@code no_proxy}) and the JVM's {@code https.proxyHost} properties; link-local
 * managed-identity endpoints and loopback always bypass them.
 */
public final class HttpSettings {

  private static final HttpSettings DEFAULTS = builder().build();

  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final SSLContext sslContext;
  private final boolean plainHttpOnLoopback;

  private HttpSettings(Builder b) {
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.sslContext = b.sslContext;
    this.plainHttpOnLoopback = b.plainHttpOnLoopback;
  }

  /** 10 s to connect, 60 s to read, the JVM's trust store, HTTPS only. */
  public static HttpSettings defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  public Duration readTimeout() {
    return readTimeout;
  }

  /** A custom TLS context; empty means the JVM default (its trust store). */
  public Optional<SSLContext> sslContext() {
    return Optional.ofNullable(sslContext);
  }

  /** Whether {@code http://} is allowed to loopback addresses (never to anything else). */
  public boolean plainHttpOnLoopback() {
    return plainHttpOnLoopback;
  }

  @Override
  public String toString() {
    return "HttpSettings{connect " + connectTimeout + ", read " + readTimeout
        + (sslContext != null ? ", custom TLS" : "") + (plainHttpOnLoopback ? ", http on loopback" : "") + "}";
  }

  /** Builds {@link HttpSettings}; {@link #build()} reports every invalid value at once. */
  public static final class Builder {
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(60);
    private SSLContext sslContext;
    private boolean plainHttpOnLoopback;

    private Builder() {}

    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    public Builder readTimeout(Duration readTimeout) {
      this.readTimeout = readTimeout;
      return this;
    }

    public Builder sslContext(SSLContext sslContext) {
      this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
      return this;
    }

    /** For tests against a local registry without TLS. */
    public Builder plainHttpOnLoopback(boolean allowed) {
      this.plainHttpOnLoopback = allowed;
      return this;
    }

    public HttpSettings build() {
      List<String> problems = new ArrayList<>();
      if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
        problems.add("connect timeout must be positive");
      }
      if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero()) {
        problems.add("read timeout must be positive");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid HTTP settings: " + String.join("; ", problems));
      }
      return new HttpSettings(this);
    }
  }
}
