package io.github.acrlogin.jenkins;

import io.github.acrlogin.auth.AccessToken;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Scope;
import io.github.acrlogin.auth.Secret;
import java.io.Serializable;
import java.time.Instant;
import java.util.List;

/**
 * A registry login or token as it crosses the remoting channel from the agent that obtained it. It lives only in
 * memory for the duration of a call: it is never a field of anything Pipeline persists, and its
 * {@link #toString()} hides the secret.
 */
final class LoginResult implements Serializable {

  private static final long serialVersionUID = 1L;

  final String loginServer;
  final String username;
  final String password;
  /** Epoch millis; 0 for logins that do not expire (admin user, repository token). */
  final long expiresAt;

  private LoginResult(String loginServer, String username, String password, long expiresAt) {
    this.loginServer = loginServer;
    this.username = username;
    this.password = password;
    this.expiresAt = expiresAt;
  }

  /**
   * A registry login ({@code scope} null) or an access token for {@code scope}, from {@code acr} wherever it runs
   * (controller or agent). Served from the authenticator's cache, which renews a token before it expires.
   */
  static LoginResult obtain(AcrAuthenticator acr, Registry registry, CredentialSource source, Scope scope)
      throws AcrAuthException {
    return scope == null
        ? of(acr.login(registry, source))
        : of(acr.accessToken(registry, source, List.of(scope)));
  }

  static LoginResult of(RegistryLogin login) {
    return new LoginResult(login.registry().loginServer(), login.username(), login.password().reveal(),
        login.expiresAt().map(Instant::toEpochMilli).orElse(0L));
  }

  static LoginResult of(AccessToken token) {
    return new LoginResult(token.registry().loginServer(), null, token.token().reveal(),
        token.expiresAt().toEpochMilli());
  }

  /** Smallest margin of shared-auth's token cache ({@code TokenCache.MIN_MARGIN}). */
  private static final long CACHE_MIN_MARGIN_MILLIS = 5 * 60 * 1000L;
  /** Never ask again sooner than this (a token that is already almost expired, or a clock far off). */
  static final long MIN_DELAY_MILLIS = 30 * 1000L;

  /**
   * When to ask the authenticator again for a token that replaces this one (epoch millis; 0 for logins that do not
   * expire).
   *
   * <p>The authenticator's cache serves a token until {@code expiry - margin}, margin = max(5 min, 10% of the
   * lifetime it saw) capped at half of it, and loads a new one on the first request after that; it never refreshes
   * by itself. So asking earlier just returns this same token. This asks at {@code expiry - m/2}, where {@code m}
   * is that margin computed from the lifetime left now (never more than the cache's, which counts from an earlier
   * load): past the cache's refresh point, with half the margin (about 9 minutes for ACR's 3-hour refresh tokens)
   * left to write the new token and to absorb clock skew between controller and agent. A caller that still gets
   * the same token (skew, or the cache keeping a still-valid value after a failed refresh) asks again shortly.
   */
  long renewAt(long now) {
    if (expiresAt <= 0) {
      return 0;
    }
    long left = expiresAt - now;
    long margin = Math.min(Math.max(CACHE_MIN_MARGIN_MILLIS, left / 10), left / 2) / 2;
    return Math.max(now + MIN_DELAY_MILLIS, expiresAt - margin);
  }

  boolean isRefreshToken() {
    return RegistryLogin.TOKEN_USERNAME.equals(username);
  }

  /** Back to shared-auth's type, for {@code DockerConfig} on the machine that writes the file. */
  RegistryLogin toRegistryLogin(Registry registry) {
    return isRefreshToken()
        ? RegistryLogin.refreshToken(registry, Secret.of(password), Instant.ofEpochMilli(expiresAt))
        : RegistryLogin.basic(registry, username, Secret.of(password));
  }

  @Override
  public String toString() {
    return "LoginResult{" + loginServer + ", user " + username + ", password ****}";
  }
}
