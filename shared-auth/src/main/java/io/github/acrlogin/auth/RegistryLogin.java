package io.github.acrlogin.auth;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code docker login} needs: a username and password for one registry. For Entra identities the
 * username is the null GUID and the password an ACR refresh token (what {@code az acr login} does); for the
 * admin user and repository-scoped tokens they are the Basic credentials themselves.
 */
public final class RegistryLogin {

  /** The username ACR expects with a refresh token as password. */
  public static final String TOKEN_USERNAME = "00000000-0000-0000-0000-000000000000";

  private final Registry registry;
  private final String username;
  private final Secret password;
  private final Instant expiresAt;

  private RegistryLogin(Registry registry, String username, Secret password, Instant expiresAt) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.username = Objects.requireNonNull(username, "username");
    this.password = Objects.requireNonNull(password, "password");
    this.expiresAt = expiresAt;
  }

  /** A refresh-token login; {@code expiresAt} is the token's {@code exp}. */
  public static RegistryLogin refreshToken(Registry registry, Secret refreshToken, Instant expiresAt) {
    return new RegistryLogin(registry, TOKEN_USERNAME, refreshToken, Objects.requireNonNull(expiresAt, "expiresAt"));
  }

  /** A username/password login (admin user or repository-scoped token); it does not expire by itself. */
  public static RegistryLogin basic(Registry registry, String username, Secret password) {
    return new RegistryLogin(registry, username, password, null);
  }

  public Registry registry() {
    return registry;
  }

  public String username() {
    return username;
  }

  /** Refresh token or password. */
  public Secret password() {
    return password;
  }

  /** True when the password is an ACR refresh token (username {@link #TOKEN_USERNAME}). */
  public boolean isRefreshToken() {
    return TOKEN_USERNAME.equals(username);
  }

  /** When the refresh token expires; empty for username/password logins. */
  public Optional<Instant> expiresAt() {
    return Optional.ofNullable(expiresAt);
  }

  @Override
  public String toString() {
    return "RegistryLogin{" + registry + ", user " + username
        + (expiresAt != null ? ", expires " + expiresAt : "") + ", password ****}";
  }
}
