package io.github.acrlogin.auth;

import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** A registry access token for exact scopes, as the registry's {@code Authorization: Bearer} wants it. */
public final class AccessToken {

  private final Registry registry;
  private final Secret token;
  private final Instant expiresAt;
  private final Set<Scope> scopes;

  /**
   * @param scopes what the token grants (from its {@code access} claim), not merely what was asked
   */
  public AccessToken(Registry registry, Secret token, Instant expiresAt, Set<Scope> scopes) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.token = Objects.requireNonNull(token, "token");
    this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
    this.scopes = Collections.unmodifiableSet(new TreeSet<>(scopes));
  }

  public Registry registry() {
    return registry;
  }

  public Secret token() {
    return token;
  }

  public Instant expiresAt() {
    return expiresAt;
  }

  /** Granted scopes. */
  public Set<Scope> scopes() {
    return scopes;
  }

  @Override
  public String toString() {
    return "AccessToken{" + registry + ", " + scopes + ", expires " + expiresAt + ", token ****}";
  }
}
