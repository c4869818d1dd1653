package io.github.acrlogin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.TokenCredential;
import io.github.acrlogin.auth.internal.TokenServiceFake;
import io.github.acrlogin.auth.internal.TokenServiceFake.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The authenticator's flows against an in-process fake of a registry and ACR's token service. */
class AcrAuthenticatorTest {

  static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

  TokenServiceFake acr;
  MutableClock clock;
  List<AuthEvent> events;
  AtomicInteger entraCalls;
  AcrAuthenticator authenticator;
  CredentialSource entra;

  @BeforeEach
  void start() throws Exception {
    acr = new TokenServiceFake();
    clock = new MutableClock(Instant.parse("2026-11-21T10:00:00Z"));
    events = new CopyOnWriteArrayList<>();
    entraCalls = new AtomicInteger();
    acr.on("/v2/", Reply.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}")
        .with("WWW-Authenticate", acr.bearerChallenge()));
    acr.on("/oauth2/exchange", Reply.json(200, "{\"refresh_token\":\"" + refreshToken(Duration.ofHours(3)) + "\"}"));
    acr.on("/oauth2/token", Reply.json(200, "{\"access_token\":\"" + accessToken("hello", "pull", "push") + "\"}"));
    authenticator = AcrAuthenticator.builder()
        .http(HttpSettings.builder().plainHttpOnLoopback(true).build())
        .environment(Map.of())
        .clock(clock)
        .clientName("test")
        .listener(events::add)
        .maxRetryTime(Duration.ZERO)
        .build();
    TokenCredential fakeEntra = request -> {
      entraCalls.incrementAndGet();
      assertEquals(List.of("https://containerregistry.azure.net/.default"), request.getScopes());
      return Mono.just(new com.azure.core.credential.AccessToken(entraToken(),
          clock.instant().plus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC)));
    };
    entra = CredentialSource.entraCredential(fakeEntra, "fake Entra identity");
  }

  @AfterEach
  void stop() {
    acr.close();
  }

  @Test
  void loginExchangesTheEntraTokenForARefreshTokenSendingExactlyWhatAcrExpects() throws Exception {
    RegistryLogin login = authenticator.login(acr.registry(), entra);

    assertEquals(RegistryLogin.TOKEN_USERNAME, login.username());
    assertTrue(login.isRefreshToken());
    assertEquals(clock.instant().plus(Duration.ofHours(3)), login.expiresAt().orElseThrow());
    TokenServiceFake.Received exchange = acr.requests("/oauth2/exchange").get(0);
    assertEquals("POST", exchange.method());
    assertEquals("application/x-www-form-urlencoded", exchange.header("Content-Type"));
    assertEquals(List.of("grant_type=access_token", "service=" + acr.registry().loginServer(),
        "tenant=" + TENANT, "access_token=" + entraToken()), exchange.fieldList());
    assertEquals("azure/test", exchange.header("X-Meta-Source-Client"));
  }

  @Test
  void sixtyFourConcurrentCallersShareOneExchange() throws Exception {
    int callers = 64;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<RegistryLogin>> results = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      results.add(pool.submit((Callable<RegistryLogin>) () -> {
        go.await();
        return authenticator.login(acr.registry(), entra);
      }));
    }
    go.countDown();
    String first = results.get(0).get().password().reveal();
    for (Future<RegistryLogin> f : results) {
      assertEquals(first, f.get().password().reveal());
    }
    pool.shutdown();
    assertEquals(1, acr.requests("/oauth2/exchange").size());
    assertEquals(1, entraCalls.get());
    assertEquals(1, acr.requests("/v2/").size(), "the challenge is discovered once per registry");
  }

  @Test
  void refreshTokenIsRenewedTenPercentOfItsLifetimeBeforeItExpiresNotEarlier() throws Exception {
    // 3 h token: 10 % (18 min) is larger than the 5 min floor.
    authenticator.login(acr.registry(), entra);
    clock.advance(Duration.ofHours(3).minusMinutes(19));
    authenticator.login(acr.registry(), entra);
    assertEquals(1, acr.requests("/oauth2/exchange").size());
    clock.advance(Duration.ofMinutes(2));
    authenticator.login(acr.registry(), entra);
    assertEquals(2, acr.requests("/oauth2/exchange").size());
  }

  @Test
  void accessTokenAsksForExactlyTheScopesAndIsCachedPerScopeSet() throws Exception {
    AccessToken token = authenticator.accessToken(acr.registry(), entra, List.of(Scope.push("hello")));
    authenticator.accessToken(acr.registry(), entra, List.of(Scope.push("hello")));

    List<TokenServiceFake.Received> calls = acr.requests("/oauth2/token");
    assertEquals(1, calls.size());
    RegistryLogin login = authenticator.login(acr.registry(), entra);
    assertEquals(List.of("grant_type=refresh_token", "service=" + acr.registry().loginServer(),
        "scope=repository:hello:pull,push", "refresh_token=" + login.password().reveal()), calls.get(0).fieldList());
    assertEquals(List.of(Scope.push("hello")), List.copyOf(token.scopes()));

    authenticator.accessToken(acr.registry(), entra, List.of(Scope.pull("hello")));
    assertEquals(2, acr.requests("/oauth2/token").size(), "another scope set is another token");
  }

  @Test
  void aRejectedRefreshTokenIsReplacedOnceWithAFreshLogin() throws Exception {
    acr.on("/oauth2/token",
        Reply.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}"),
        Reply.json(200, "{\"access_token\":\"" + accessToken("hello", "pull") + "\"}"));
    AccessToken token = authenticator.accessToken(acr.registry(), entra, List.of(Scope.pull("hello")));
    assertEquals(List.of(Scope.pull("hello")), List.copyOf(token.scopes()));
    assertEquals(2, acr.requests("/oauth2/exchange").size());
    assertEquals(2, acr.requests("/oauth2/token").size());
  }

  @Test
  void aPullOnlyIdentityAskingToPushIsToldToAssignAcrPush() {
    acr.on("/oauth2/token", Reply.json(200, "{\"access_token\":\"" + accessToken("hello", "pull") + "\"}"));
    AcrAuthException e = assertThrows(AcrAuthException.class,
        () -> authenticator.accessToken(acr.registry(), entra, List.of(Scope.push("hello"))));
    assertEquals(Reason.INSUFFICIENT_SCOPE, e.reason());
    assertTrue(e.getMessage().contains("(scope repository:hello:pull,push)"), e.getMessage());
    assertTrue(e.getMessage().contains("granted: repository:hello:pull"), e.getMessage());
    assertTrue(e.getMessage().contains("AcrPush"), e.getMessage());
  }

  @Test
  void armAudienceFailuresNameAuthenticationAsArm() {
    acr.on("/oauth2/exchange", Reply.json(401,
        "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"arm aad token disallowed\"}]}"));
    CredentialSource arm = CredentialSource.entraCredential(
        request -> Mono.just(new com.azure.core.credential.AccessToken(entraToken(),
            clock.instant().plus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC))), "fake")
        .withAudience(Audience.ARM);
    AcrAuthException e = assertThrows(AcrAuthException.class, () -> authenticator.login(acr.registry(), arm));
    assertEquals(Reason.ARM_TOKEN_DISALLOWED, e.reason());
    assertTrue(e.getMessage().contains("authentication-as-arm policy is disabled"), e.getMessage());

    acr.on("/oauth2/exchange", Reply.json(403,
        "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"retrieving permissions failed\"}]}"));
    AcrAuthException other = assertThrows(AcrAuthException.class, () -> authenticator.login(acr.registry(), arm));
    assertEquals(Reason.MISSING_ROLE, other.reason());
    assertTrue(other.getMessage().contains("asked for the ARM audience"), other.getMessage());
  }

  @Test
  void adminUserLoginChecksThePasswordAndWarnsItIsATestingAccount() throws Exception {
    acr.on("/oauth2/token", Reply.json(200, "{\"access_token\":\"" + accessToken("hello") + "\"}"));
    RegistryLogin login = authenticator.login(acr.registry(),
        CredentialSource.adminUser("myregistry", Secret.of("admin-password-1")));
    assertEquals("myregistry", login.username());
    assertFalse(login.isRefreshToken());
    TokenServiceFake.Received check = acr.requests("/oauth2/token").get(0);
    assertEquals("GET", check.method());
    assertEquals("Basic " + Base64.getEncoder().encodeToString(
        "myregistry:admin-password-1".getBytes(StandardCharsets.UTF_8)), check.header("Authorization"));
    assertTrue(events.stream().anyMatch(e -> e.level() == AuthEvent.Level.WARN
        && e.message().contains("testing account")), events.toString());
  }

  @Test
  void aWrongAdminPasswordFailsTheLoginNotALaterPush() {
    acr.on("/oauth2/token", Reply.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}")
        .with("WWW-Authenticate", "Basic realm=\"Azure Container Registry\""));
    AcrAuthException e = assertThrows(AcrAuthException.class, () -> authenticator.login(acr.registry(),
        CredentialSource.adminUser("myregistry", Secret.of("wrong-password-xyz"))));
    assertEquals(Reason.BAD_PASSWORD, e.reason());
    assertInstanceOf(AuthenticationFailedException.class, e);
    assertFalse(e.getMessage().contains("wrong-password-xyz"));
  }

  @Test
  void invalidateForgetsLoginAndAccessTokensOfThatIdentity() throws Exception {
    authenticator.accessToken(acr.registry(), entra, List.of(Scope.pull("hello")));
    authenticator.invalidate(acr.registry(), entra);
    authenticator.accessToken(acr.registry(), entra, List.of(Scope.pull("hello")));
    assertEquals(2, acr.requests("/oauth2/exchange").size());
    assertEquals(2, acr.requests("/oauth2/token").size());
  }

  @Test
  void eventsNeverContainTokens() throws Exception {
    RegistryLogin login = authenticator.login(acr.registry(), entra);
    AccessToken token = authenticator.accessToken(acr.registry(), entra, List.of(Scope.push("hello")));
    for (AuthEvent e : events) {
      assertFalse(e.message().contains(login.password().reveal()), e.message());
      assertFalse(e.message().contains(token.token().reveal()), e.message());
      assertFalse(e.message().contains(entraToken()), e.message());
    }
    assertFalse(events.isEmpty());
  }

  // ---------------------------------------------------------------- tokens

  String entraToken() {
    return jwt("{\"aud\":\"https://containerregistry.azure.net\",\"tid\":\"" + TENANT + "\",\"exp\":"
        + clock.instant().plus(Duration.ofHours(1)).getEpochSecond() + "}");
  }

  String refreshToken(Duration lifetime) {
    return jwt("{\"iss\":\"Azure Container Registry\",\"tenant\":\"" + TENANT + "\",\"exp\":"
        + clock.instant().plus(lifetime).getEpochSecond() + ",\"n\":" + System.nanoTime() + "}");
  }

  String accessToken(String repository, String... actions) {
    String access = actions.length == 0 ? "[]" : "[{\"type\":\"repository\",\"name\":\"" + repository
        + "\",\"actions\":[\"" + String.join("\",\"", actions) + "\"]}]";
    return jwt("{\"exp\":" + clock.instant().plus(Duration.ofMinutes(75)).getEpochSecond() + ",\"access\":"
        + access + "}");
  }

  static String jwt(String claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
