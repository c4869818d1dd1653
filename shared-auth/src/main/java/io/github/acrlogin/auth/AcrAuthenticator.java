package io.github.acrlogin.auth;

import io.github.acrlogin.auth.internal.Challenge;
import io.github.acrlogin.auth.internal.EntraTokens;
import io.github.acrlogin.auth.internal.Jwt;
import io.github.acrlogin.auth.internal.RetryPolicy;
import io.github.acrlogin.auth.internal.TokenCache;
import io.github.acrlogin.auth.internal.TokenServiceClient;
import io.github.acrlogin.auth.internal.Transport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Logs in to Azure container registries: turns a (registry, credential source) pair into a
 * {@link RegistryLogin} (for {@code docker login} and Jib) and into {@link AccessToken}s for exact scopes.
 *
 * <p>For Entra identities it discovers the token service from the registry's challenge, gets an Entra token
 * (ACR audience unless the source asks for ARM) through Azure Identity, exchanges it for an ACR refresh token
 * and that for access tokens. Results are cached per identity and registry (and scopes), refreshed before
 * they expire, with one refresh at a time per key. One instance is meant to be shared by a whole process
 * (a Maven build, a Jenkins controller or agent): it is thread-safe.
 *
 * <pre>{@code
 * AcrAuthenticator acr = AcrAuthenticator.builder().clientName("maven").build();
 * RegistryLogin login = acr.login(Registry.parse("myregistry"),
 *     CredentialSource.servicePrincipal(tenant, clientId, Secret.of(secret)));
 * }</pre>
 */
public final class AcrAuthenticator {

  private static final Duration DEFAULT_REFRESH_TOKEN_LIFETIME = Duration.ofHours(3);
  private static final Duration BASIC_REVALIDATION = Duration.ofHours(1);

  private final Clock clock;
  private final Consumer<AuthEvent> listener;
  private final String clientName;
  private final Transport transport;
  private final RetryPolicy retry;
  private final TokenServiceClient tokenService;
  private final EntraTokens entra;
  private final Map<Registry, Challenge> challenges = new ConcurrentHashMap<>();
  private final TokenCache<LoginKey, Timed<RegistryLogin>> logins;
  private final TokenCache<AccessKey, AccessToken> accessTokens;

  private AcrAuthenticator(Builder b) {
    this.clock = b.clock;
    this.listener = b.listener;
    this.clientName = b.clientName;
    this.transport = new Transport(b.http, b.environment);
    this.retry = RetryPolicy.defaults(clock).withMaxTotal(b.maxRetryTime);
    this.tokenService = new TokenServiceClient(transport, retry, clientName, listener);
    this.entra = new EntraTokens(transport.azureHttpClient(), b.environment);
    this.logins = new TokenCache<>(clock, Timed::expiresAt, listener);
    this.accessTokens = new TokenCache<>(clock, AccessToken::expiresAt, listener);
  }

  /** Starts an authenticator with defaults: JVM trust store, process environment, system clock. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Logs in to a registry: an ACR refresh token under the null-GUID user for Entra identities, the
   * credentials themselves (after checking them with the registry) for the admin user and repository tokens.
   *
   * @throws AcrAuthException with what failed, why and what to do
   */
  public RegistryLogin login(Registry registry, CredentialSource source) throws AcrAuthException {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(source, "source");
    return logins.get(new LoginKey(source.cacheKey(), registry), () -> freshLogin(registry, source)).value;
  }

  /**
   * An access token for exactly these scopes (ask for the least the operation needs, e.g.
   * {@link Scope#pull(String)}). Fails with {@link Reason#INSUFFICIENT_SCOPE} when the registry grants less.
   *
   * @throws AcrAuthException with what failed, why and what to do
   */
  public AccessToken accessToken(Registry registry, CredentialSource source, Collection<Scope> scopes)
      throws AcrAuthException {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(source, "source");
    Set<Scope> wanted = new TreeSet<>(scopes);
    if (wanted.isEmpty()) {
      throw new IllegalArgumentException("Ask for at least one scope, e.g. repository:samples/hello:pull");
    }
    return accessTokens.get(new AccessKey(source.cacheKey(), registry, wanted),
        () -> freshAccessToken(registry, source, wanted));
  }

  /**
   * Forgets cached tokens for this identity and registry, e.g. after the registry answered 401 to one of
   * them; the next call logs in again.
   */
  public void invalidate(Registry registry, CredentialSource source) {
    LoginKey key = new LoginKey(source.cacheKey(), registry);
    logins.invalidate(key);
    accessTokens.invalidateIf(k -> k.login.equals(key));
    challenges.remove(registry); // the registry may have moved its token service
  }


  // Shared with AuthenticationAsArmPolicy, which reuses this authenticator's transport and Entra credentials.
  Transport transport() {
    return transport;
  }

  RetryPolicy retryPolicy() {
    return retry;
  }

  EntraTokens entraTokens() {
    return entra;
  }

  Consumer<AuthEvent> listener() {
    return listener;
  }

  String clientName() {
    return clientName;
  }

  // ---------------------------------------------------------------- the flows

  private Timed<RegistryLogin> freshLogin(Registry registry, CredentialSource source) throws AcrAuthException {
    try {
      if (source.kind().isBasic()) {
        return basicLogin(registry, source);
      }
      Challenge challenge = bearerChallenge(registry, source);
      EntraTokens.EntraToken token = entra.token(source, registry);
      Secret refresh = tokenService.exchange(registry, challenge, token.token(), token.tenantId(), source);
      Instant expires = expiryOf(refresh, DEFAULT_REFRESH_TOKEN_LIFETIME);
      listener.accept(AuthEvent.info("Logged in to " + registry + " as " + source + " (ACR refresh token valid until "
          + expires + ")"));
      return new Timed<>(RegistryLogin.refreshToken(registry, refresh, expires), expires);
    } catch (AcrAuthException e) {
      throw withAudienceHint(e, source);
    }
  }

  private Timed<RegistryLogin> basicLogin(Registry registry, CredentialSource source) throws AcrAuthException {
    if (source.kind() == CredentialSource.Kind.ADMIN_USER) {
      listener.accept(AuthEvent.warn("Logging in to " + registry + " with the admin user, which Azure documents as"
          + " a testing account; prefer a service principal, managed identity or repository-scoped token"));
    }
    Challenge challenge = challenge(registry, source);
    String user = source.username().orElseThrow();
    Secret password = source.secret().orElseThrow();
    if (challenge.realm().isPresent()) {
      // Checks the password now, so a typo fails the login rather than a later push.
      tokenService.basicAccessToken(registry, challenge, user, password, List.of(), source);
    }
    return new Timed<>(RegistryLogin.basic(registry, user, password), clock.instant().plus(BASIC_REVALIDATION));
  }

  private AccessToken freshAccessToken(Registry registry, CredentialSource source, Set<Scope> wanted)
      throws AcrAuthException {
    Secret token;
    Challenge challenge = challenge(registry, source);
    if (source.kind().isBasic()) {
      token = tokenService.basicAccessToken(registry, challenge, source.username().orElseThrow(),
          source.secret().orElseThrow(), wanted, source);
    } else {
      LoginKey key = new LoginKey(source.cacheKey(), registry);
      Timed<RegistryLogin> login = logins.get(key, () -> freshLogin(registry, source));
      try {
        token = tokenService.accessToken(registry, challenge, login.value.password(), wanted, source);
      } catch (AcrAuthException e) {
        if (e.reason() != Reason.TOKEN_REJECTED) {
          throw withAudienceHint(e, source);
        }
        // The refresh token was revoked or expired early: log in once more, then give up. Only this stale
        // login is dropped, so concurrent callers do not throw away each other's fresh one.
        listener.accept(AuthEvent.debug("Refresh token for " + registry + " rejected; logging in again"));
        logins.invalidate(key, login);
        login = logins.get(key, () -> freshLogin(registry, source));
        token = tokenService.accessToken(registry, challenge, login.value.password(), wanted, source);
      }
    }
    Jwt jwt;
    try {
      jwt = Jwt.decode(token.reveal());
    } catch (IllegalArgumentException notAJwt) {
      throw AcrAuthException.because(Reason.PROTOCOL).operation("ACR access token").registry(registry.loginServer())
          .scope(wanted.stream().map(Scope::toString).collect(Collectors.joining(" "))).source(source.toString())
          .detail("the access token is not a JWT, so its grants and expiry cannot be read").failed();
    }
    Set<Scope> granted = jwt.access();
    List<String> missing = new ArrayList<>();
    for (Scope s : wanted) {
      if (granted.stream().noneMatch(g -> g.covers(s))) {
        missing.add(s.toString());
      }
    }
    if (!missing.isEmpty()) {
      throw AcrAuthException.because(Reason.INSUFFICIENT_SCOPE)
          .operation("ACR access token")
          .registry(registry.loginServer())
          .scope(String.join(" ", missing))
          .source(source.toString())
          .detail("granted: " + (granted.isEmpty() ? "nothing"
              : granted.stream().map(Scope::toString).collect(Collectors.joining(" "))))
          .failed();
    }
    Instant expires = jwt.expiresAt().orElse(clock.instant().plus(Duration.ofMinutes(5)));
    return new AccessToken(registry, token, expires, granted);
  }

  private Challenge challenge(Registry registry, CredentialSource source) throws AcrAuthException {
    Challenge known = challenges.get(registry);
    if (known != null) {
      return known;
    }
    Challenge discovered = tokenService.discover(registry, source);
    challenges.put(registry, discovered);
    return discovered;
  }

  private Challenge bearerChallenge(Registry registry, CredentialSource source) throws AcrAuthException {
    Challenge c = challenge(registry, source);
    if (!"bearer".equals(c.scheme()) || c.realm().isEmpty()) {
      throw AcrAuthException.because(Reason.NOT_ACR)
          .registry(registry.loginServer())
          .source(source.toString())
          .detail("the registry offers no Bearer token service, so Entra identities cannot log in")
          .remedy("use the admin user or a repository-scoped token, or check the login server")
          .failed();
    }
    return c;
  }

  private Instant expiryOf(Secret token, Duration fallback) {
    try {
      return Jwt.decode(token.reveal()).expiresAt().orElse(clock.instant().plus(fallback));
    } catch (IllegalArgumentException opaque) {
      return clock.instant().plus(fallback);
    }
  }

  /** With the ARM audience, every failure also names the authentication-as-arm consequence. */
  private static AcrAuthException withAudienceHint(AcrAuthException e, CredentialSource source) {
    if (source.audience() != Audience.ARM || e.reason() == Reason.ARM_TOKEN_DISALLOWED) {
      return e;
    }
    return e.withRemedy(e.remedy() + " (this login asked for the ARM audience, which registries with"
        + " authentication-as-arm disabled reject; the default ACR audience works on every registry)");
  }

  // ---------------------------------------------------------------- keys and values

  private static final class Timed<T> {
    final T value;
    final Instant expiresAt;

    Timed(T value, Instant expiresAt) {
      this.value = value;
      this.expiresAt = expiresAt;
    }

    Instant expiresAt() {
      return expiresAt;
    }
  }

  private static final class LoginKey {
    final String identity;
    final Registry registry;

    LoginKey(String identity, Registry registry) {
      this.identity = identity;
      this.registry = registry;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof LoginKey && ((LoginKey) o).identity.equals(identity)
          && ((LoginKey) o).registry.equals(registry);
    }

    @Override
    public int hashCode() {
      return Objects.hash(identity, registry);
    }

    @Override
    public String toString() {
      return registry.toString();
    }
  }

  private static final class AccessKey {
    final LoginKey login;
    final Set<Scope> scopes;

    AccessKey(String identity, Registry registry, Set<Scope> scopes) {
      this.login = new LoginKey(identity, registry);
      this.scopes = Set.copyOf(scopes);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AccessKey && ((AccessKey) o).login.equals(login) && ((AccessKey) o).scopes.equals(scopes);
    }

    @Override
    public int hashCode() {
      return Objects.hash(login, scopes);
    }

    @Override
    public String toString() {
      return login + " " + scopes;
    }
  }

  /** Configures an {@link AcrAuthenticator}. */
  public static final class Builder {
    private HttpSettings http = HttpSettings.defaults();
    private Map<String, String> environment;
    private Clock clock = Clock.systemUTC();
    private Consumer<AuthEvent> listener = AuthEvent.IGNORE;
    private String clientName = "acr-login";
    private Duration maxRetryTime = Duration.ofSeconds(60);

    private Builder() {}

    public Builder http(HttpSettings http) {
      this.http = Objects.requireNonNull(http, "http");
      return this;
    }

    /**
     * The environment variables to read (AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE, https_proxy, ...);
     * defaults to the process environment. Tests and Jenkins pass their own.
     */
    public Builder environment(Map<String, String> environment) {
      this.environment = new LinkedHashMap<>(Objects.requireNonNull(environment, "environment"));
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Receives log events (never containing secrets). */
    public Builder listener(Consumer<AuthEvent> listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Who is calling, for the {@code X-Meta-Source-Client} header: {@code jenkins}, {@code maven}, ... */
    public Builder clientName(String clientName) {
      this.clientName = clientName;
      return this;
    }

    /** The longest time spent retrying throttled or failing token-service calls (default 60 s). */
    public Builder maxRetryTime(Duration maxRetryTime) {
      this.maxRetryTime = maxRetryTime;
      return this;
    }

    /**
     * @throws IllegalArgumentException listing every invalid setting
     */
    public AcrAuthenticator build() {
      List<String> problems = new ArrayList<>();
      if (!Transport.isValidClientName(clientName)) {
        problems.add("client name must be letters, digits, '.', '_', '-' with '/' between parts (e.g. jenkins)");
      }
      if (maxRetryTime == null || maxRetryTime.isNegative()) {
        problems.add("max retry time must be zero or positive");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid ACR authenticator settings: " + String.join("; ", problems));
      }
      if (environment == null) {
        environment = new LinkedHashMap<>(System.getenv());
      }
      return new AcrAuthenticator(this);
    }
  }
}
