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
   * (controller or agent).
   *
   * @param fresh forget the cached token first
   * @throws IllegalArgumentException when {@code scope} is malformed
   */
  static LoginResult obtain(AcrAuthenticator acr, Registry registry, CredentialSource source, String scope,
      boolean fresh) throws AcrAuthException {
    if (fresh) {
      acr.invalidate(registry, source);
    }
    return scope == null
        ? of(acr.login(registry, source))
        : of(acr.accessToken(registry, source, List.of(Scope.parse(scope))));
  }

  static LoginResult of(RegistryLogin login) {
    return new LoginResult(login.registry().loginServer(), login.username(), login.password().reveal(),
        login.expiresAt().map(Instant::toEpochMilli).orElse(0L));
  }

  static LoginResult of(AccessToken token) {
    return new LoginResult(token.registry().loginServer(), null, token.token().reveal(),
        token.expiresAt().toEpochMilli());
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
