package io.github.acrlogin.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.AuthenticationFailedException;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.auth.Reason;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Scope;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.auth.internal.TokenServiceFake.Received;
import io.github.acrlogin.auth.internal.TokenServiceFake.Reply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class TokenServiceClientTest {

  static final HttpSettings LOOPBACK_HTTP = HttpSettings.builder().plainHttpOnLoopback(true).build();
  static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  static final CredentialSource SP =
      CredentialSource.servicePrincipal(TENANT, "0b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Secret.of("sp-client-secret"));

  static final Secret ENTRA = Secret.of(JwtTest.jwt("{\"aud\":\"https://containerregistry.azure.net\",\"tid\":\"" + TENANT + "\"}"));
  static final String REFRESH_VALUE = JwtTest.jwt("{\"iss\":\"Azure Container Registry\",\"grant_type\":\"refresh_token\"}");
  static final Secret REFRESH = Secret.of(REFRESH_VALUE);
  static final String ACCESS_VALUE =
      JwtTest.jwt("{\"access\":[{\"type\":\"repository\",\"name\":\"samples/hello\",\"actions\":[\"pull\"]}]}");

  final RetryPolicyTest.FakeClock clock = new RetryPolicyTest.FakeClock();
  final RetryPolicyTest.FakeSleeper sleeper = new RetryPolicyTest.FakeSleeper(clock);
  final List<AuthEvent> events = new ArrayList<>();
  TokenServiceFake acr;
  TokenServiceClient client;
  Registry registry;
  String service;

  @BeforeEach
  void start() throws IOException {
    acr = new TokenServiceFake();
    registry = acr.registry();
    service = registry.loginServer();
    client = client(LOOPBACK_HTTP);
  }

  @AfterEach
  void stop() {
    acr.close();
  }

  TokenServiceClient client(HttpSettings settings) {
    RetryPolicy retry =
        RetryPolicy.builder().clock(clock).sleeper(sleeper).random(RetryPolicyTest.fixed(0.5)).build();
    return new TokenServiceClient(new Transport(settings, Map.of()), retry, "jenkins", events::add);
  }

  Challenge challenge() {
    return ChallengeParser.parse(acr.bearerChallenge()).get(0);
  }

  static Reply json(int status, String body) {
    return Reply.json(status, body);
  }

  static Reply acrError(int status, String code, String message) {
    return json(status, "{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\",\"detail\":null}]}");
  }

  static AcrAuthException fails(Reason reason, Executable call) {
    AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class, call);
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  void assertSentByUs(Received r) {
    assertEquals("azure/jenkins", r.header("X-Meta-Source-Client"));
    assertEquals(Transport.userAgent(), r.header("User-Agent"));
  }

  void assertExchangeForm(Received r, String tenant) {
    assertEquals("POST", r.method());
    assertEquals("/oauth2/exchange", r.path());
    assertEquals("application/x-www-form-urlencoded", r.header("Content-Type"));
    List<String> expected = new ArrayList<>(List.of("grant_type=access_token", "service=" + service));
    if (tenant != null) {
      expected.add("tenant=" + tenant);
    }
    expected.add("access_token=" + ENTRA.reveal());
    assertEquals(expected, r.fieldList());
    assertNull(r.header("Authorization"));
    assertSentByUs(r);
  }

  // ---------------------------------------------------------------- discover

  @Test
  void discoverOnAcrReturnsBearerChallengeFromAnonymousV2Get() throws Exception {
    acr.on("/v2/", new Reply(401, Map.of("WWW-Authenticate", acr.bearerChallenge()), "{\"errors\":[]}"));
    Challenge c = client.discover(registry, SP);
    assertEquals(challenge(), c);
    assertEquals(URI.create(acr.origin() + "/oauth2/exchange"), c.exchangeUri());
    Received r = acr.requests().get(0);
    assertEquals("GET", r.method());
    assertEquals("/v2/", r.path());
    assertNull(r.query());
    assertNull(r.header("Authorization"));
    assertSentByUs(r);
  }

  @Test
  void discoverWithOnlyBasicOfferedReturnsBasicChallenge() throws Exception {
    acr.on("/v2/", new Reply(401, Map.of("WWW-Authenticate", "Basic realm=\"Azure Container Registry\""), ""));
    Challenge c = client.discover(registry, SP);
    assertTrue(c.isBasic());
    assertEquals("Azure Container Registry", c.param("realm").orElseThrow());
  }

  @Test
  void discoverWithBasicAndBearerPrefersBearer() throws Exception {
    acr.on("/v2/", new Reply(401, Map.of("WWW-Authenticate", "Basic realm=\"x\", " + acr.bearerChallenge()), ""));
    assertTrue(client.discover(registry, SP).isBearer());
  }

  @Test
  void discoverBehindFirewallFailsWithFirewallAndServerDetail() {
    acr.on("/v2/", acrError(403, "DENIED",
        "client with IP '203.0.113.9' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."));
    AcrAuthException e = fails(Reason.FIREWALL, () -> client.discover(registry, SP));
    assertEquals("DENIED: client with IP '203.0.113.9' is not allowed access. Refer https://aka.ms/acr/firewall"
        + " to grant access.", e.detail().orElseThrow());
    assertEquals(registry.loginServer(), e.registry().orElseThrow());
    assertEquals(SP.toString(), e.source().orElseThrow());
    assertTrue(e.getMessage().startsWith("ACR challenge discovery failed for " + service), e.getMessage());
    assertTrue(e.getMessage().contains(Reason.FIREWALL.remedy()), e.getMessage());
  }

  @Test
  void discoverOnServerThatNeedsNoAuthFailsWithNotAcr() {
    acr.on("/v2/", json(200, "{}"));
    AcrAuthException e = fails(Reason.NOT_ACR, () -> client.discover(registry, SP));
    assertEquals("GET /v2/ answered 200 without asking for credentials", e.detail().orElseThrow());
  }

  @Test
  void discoverWithBearerWithoutRealmFailsWithNotAcr() {
    acr.on("/v2/", new Reply(401, Map.of("WWW-Authenticate", "Bearer service=\"x\""), ""));
    fails(Reason.NOT_ACR, () -> client.discover(registry, SP));
  }

  @Test
  void discoverWith401WithoutChallengeFailsWithNotAcr() {
    acr.on("/v2/", json(401, "{}"));
    AcrAuthException e = fails(Reason.NOT_ACR, () -> client.discover(registry, SP));
    assertTrue(e.detail().orElseThrow().contains("without a WWW-Authenticate challenge"));
  }

  @Test
  void discoverWithGarbageChallengeFailsWithNotAcr() {
    acr.on("/v2/", new Reply(401, Map.of("WWW-Authenticate", "Bearer realm=\"unterminated"), ""));
    AcrAuthException e = fails(Reason.NOT_ACR, () -> client.discover(registry, SP));
    assertTrue(e.detail().orElseThrow().contains("unterminated quoted string"), e.getMessage());
  }

  @Test
  void discoverWithUnknownSchemeFailsWithNotAcr() {
    acr.on("/v2/", new Reply(401, Map.of("WWW-Authenticate", "Negotiate"), ""));
    AcrAuthException e = fails(Reason.NOT_ACR, () -> client.discover(registry, SP));
    assertEquals("GET /v2/ asks for unsupported authentication: negotiate", e.detail().orElseThrow());
  }

  @Test
  void discoverOnSomethingElseFailsWithNotAcr() {
    acr.on("/v2/", new Reply(404, Map.of(), "<html>nothing here</html>"));
    AcrAuthException e = fails(Reason.NOT_ACR, () -> client.discover(registry, SP));
    assertEquals("GET /v2/ answered 404: an HTML page", e.detail().orElseThrow());
  }

  @Test
  void discoverOnClosedPortFailsWithUnreachableNamingTheHost() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Registry closed = Registry.parse("127.0.0.1:" + port);
    AcrAuthException e = fails(Reason.UNREACHABLE, () -> client.discover(closed, SP));
    assertTrue(e.detail().orElseThrow().startsWith("cannot reach 127.0.0.1:" + port + " (ConnectException: "),
        e.detail().orElseThrow());
    assertTrue(e.detail().orElseThrow().endsWith(", 4 attempts)"), e.detail().orElseThrow());
    assertTrue(e.getMessage().contains(Reason.UNREACHABLE.remedy()));
    assertEquals(3, sleeper.slept.size());
  }

  @Test
  void discoverOverHttpsToAPlainHttpServerFailsWithTls() throws Exception {
    // A plain-HTTP server that answers whatever it receives (here: a TLS ClientHello) with an HTTP error. It
    // reads the whole ClientHello record before answering: closing with unread bytes would reset the connection,
    // which the client rightly treats as a (retryable) network error rather than a TLS one.
    try (ServerSocket plain = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      Thread answer = new Thread(() -> {
        while (!plain.isClosed()) {
          try (java.net.Socket s = plain.accept()) {
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            byte[] header = new byte[5];
            in.readFully(header); // TLS record header: type, version (2), length (2)
            in.readFully(new byte[((header[3] & 0xff) << 8) | (header[4] & 0xff)]);
            s.getOutputStream().write(
                "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.shutdownOutput();
            s.setSoTimeout(5_000);
            in.transferTo(java.io.OutputStream.nullOutputStream()); // until the client closes
          } catch (IOException e) {
            // The client gave up, or the test closed the socket.
          }
        }
      });
      answer.setDaemon(true);
      answer.start();
      Registry r = Registry.parse("127.0.0.1:" + plain.getLocalPort());
      AcrAuthException e = fails(Reason.TLS, () -> client(HttpSettings.defaults()).discover(r, SP));
      assertTrue(e.detail().orElseThrow().startsWith("TLS with https://127.0.0.1:" + plain.getLocalPort() + " failed: SSL"),
          e.detail().orElseThrow());
      assertEquals(List.of(), sleeper.slept, "TLS failures are not retried");
    }
  }

  @Test
  void discoverThrottledOnceThenSucceeds() throws Exception {
    acr.on("/v2/", json(429, "{}").with("Retry-After", "1"),
        new Reply(401, Map.of("WWW-Authenticate", acr.bearerChallenge()), ""));
    assertEquals(challenge(), client.discover(registry, SP));
    assertEquals(List.of(Duration.ofSeconds(1)), sleeper.slept);
  }

  // ---------------------------------------------------------------- exchange

  @Test
  void exchangeSendsExactlyTheAcrFormAndReturnsTheRefreshToken() throws Exception {
    acr.on("/oauth2/exchange", json(200, "{\"refresh_token\":\"" + REFRESH_VALUE + "\"}"));
    Secret refresh = client.exchange(registry, challenge(), ENTRA, TENANT, SP);
    assertEquals(REFRESH_VALUE, refresh.reveal());
    assertEquals(1, acr.requests().size());
    assertExchangeForm(acr.requests().get(0), TENANT);
  }

  @Test
  void exchangeWithoutTenantOmitsTheField() throws Exception {
    acr.on("/oauth2/exchange", json(200, "{\"refresh_token\":\"r\"}"));
    client.exchange(registry, challenge(), ENTRA, null, SP);
    assertExchangeForm(acr.requests().get(0), null);
  }

  @Test
  void exchangeFollowsTheRealmToAnotherOrigin() throws Exception {
    try (TokenServiceFake tokenService = new TokenServiceFake()) {
      tokenService.on("/oauth2/exchange", json(200, "{\"refresh_token\":\"r\"}"));
      Challenge c = ChallengeParser.parse(
          "Bearer realm=\"" + tokenService.origin() + "/oauth2/token\",service=\"" + service + "\"").get(0);
      client.exchange(registry, c, ENTRA, TENANT, SP);
      assertEquals(List.of(), acr.requests());
      assertExchangeForm(tokenService.requests().get(0), TENANT);
    }
  }

  @Test
  void exchangeUsesTheLoginServerWhenTheChallengeNamesNoService() throws Exception {
    acr.on("/oauth2/exchange", json(200, "{\"refresh_token\":\"r\"}"));
    Challenge c = ChallengeParser.parse("Bearer realm=\"" + acr.origin() + "/oauth2/token\"").get(0);
    client.exchange(registry, c, ENTRA, TENANT, SP);
    assertExchangeForm(acr.requests().get(0), TENANT);
  }

  @Test
  void exchangeFormEncodesEveryValue() throws Exception {
    acr.on("/oauth2/exchange", json(200, "{\"refresh_token\":\"r\"}"));
    Secret odd = Secret.of("a+b/c=d&e f%g\u00e9");
    client.exchange(registry, challenge(), odd, TENANT, SP);
    Received r = acr.requests().get(0);
    assertTrue(r.body().endsWith("&access_token=a%2Bb%2Fc%3Dd%26e+f%25g%C3%A9"), r.body());
    assertEquals("access_token=" + odd.reveal(), r.fieldList().get(3));
  }

  @Test
  void exchangeWithArmTokenOnDisabledRegistryFailsWithArmRemedy() {
    acr.on("/oauth2/exchange", acrError(401, "UNAUTHORIZED", "arm aad token disallowed"));
    AcrAuthException e = fails(Reason.ARM_TOKEN_DISALLOWED, () -> client.exchange(registry, challenge(), ENTRA, TENANT, SP));
    assertEquals("UNAUTHORIZED: arm aad token disallowed", e.detail().orElseThrow());
    assertTrue(e.getMessage().contains("https://containerregistry.azure.net/.default"), e.getMessage());
    assertTrue(e.getMessage().startsWith("ACR token exchange failed for " + service), e.getMessage());
  }

  @Test
  void exchangeWithRejectedEntraTokenFailsWithTokenRejectedAndAudienceHint() {
    acr.on("/oauth2/exchange", acrError(401, "UNAUTHORIZED", "Unable to validate the token"));
    AcrAuthException e = fails(Reason.TOKEN_REJECTED, () -> client.exchange(registry, challenge(), ENTRA, TENANT, SP));
    assertTrue(e.remedy().contains("ACR audience"), e.remedy());
    assertEquals("UNAUTHORIZED: Unable to validate the token", e.detail().orElseThrow());
  }

  @Test
  void exchangeWithoutRoleFailsWithMissingRole() {
    acr.on("/oauth2/exchange", acrError(403, "DENIED", "retrieving permissions failed"));
    AcrAuthException e = fails(Reason.MISSING_ROLE, () -> client.exchange(registry, challenge(), ENTRA, TENANT, SP));
    assertTrue(e.getMessage().contains("AcrPull"), e.getMessage());
  }

  @Test
  void exchangeBehindFirewallFailsWithFirewall() {
    acr.on("/oauth2/exchange", acrError(403, "DENIED", "client with IP '203.0.113.9' is not allowed access."));
    fails(Reason.FIREWALL, () -> client.exchange(registry, challenge(), ENTRA, TENANT, SP));
  }

  @Test
  void exchangeBadRequestFailsWithProtocolAndServerDetail() {
    acr.on("/oauth2/exchange", json(400, "{\"error\":\"invalid_request\",\"error_description\":\"tenant is malformed\"}"));
    AcrAuthException e = fails(Reason.PROTOCOL, () -> client.exchange(registry, challenge(), ENTRA, TENANT, SP));
    assertEquals("POST /oauth2/exchange answered 400: invalid_request: tenant is malformed", e.detail().orElseThrow());
  }

  @Test
  void exchangeAnswerThatIsNotJsonFailsWithProtocol() {
    acr.on("/oauth2/exchange", json(200, "refresh_token: maybe"));
    AcrAuthException e = fails(Reason.PROTOCOL, () -> client.exchange(registry, challenge(), ENTRA, TENANT, SP));
    assertEquals("the answer is not a JSON object", e.detail().orElseThrow());
  }

  @Test
  void exchangeAnswerWithoutRefreshTokenFailsWithProtocolNamingTheFields() {
    acr.on("/oauth2/exchange", json(200, "{\"refreshToken\":\"" + REFRESH_VALUE + "\",\"expires_in\":3600}"));
    AcrAuthException e = fails(Reason.PROTOCOL, () -> client.exchange(registry, challenge(), ENTRA, TENANT, SP));
    assertEquals("the answer has no refresh_token (fields: refreshToken, expires_in)", e.detail().orElseThrow());
  }

  @Test
  void exchangeOnMissingEndpointFailsWithNotAcr() {
    fails(Reason.NOT_ACR, () -> client.exchange(registry, challenge(), ENTRA, TENANT, SP));
  }

  @Test
  void exchangeThrottledOnceSucceedsAfterRetryAfter() throws Exception {
    acr.on("/oauth2/exchange", acrError(429, "TOOMANYREQUESTS", "slow down").with("Retry-After", "2"),
        json(200, "{\"refresh_token\":\"r\"}"));
    assertEquals("r", client.exchange(registry, challenge(), ENTRA, TENANT, SP).reveal());
    assertEquals(List.of(Duration.ofSeconds(2)), sleeper.slept);
    assertEquals(2, acr.requests().size());
    acr.requests().forEach(r -> assertExchangeForm(r, TENANT));
  }

  @Test
  void exchangeServerErrorBurstThenSucceeds() throws Exception {
    acr.on("/oauth2/exchange", json(500, "{}"), json(502, "{}"), json(503, "{}"), json(200, "{\"refresh_token\":\"r\"}"));
    assertEquals("r", client.exchange(registry, challenge(), ENTRA, TENANT, SP).reveal());
    assertEquals(4, acr.requests().size());
    assertEquals(List.of(Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofMillis(2000)), sleeper.slept);
  }

  @Test
  void exchangeThrottledUntilAttemptsRunOutFailsWithThrottledAndItsRemedy() {
    acr.on("/oauth2/exchange", acrError(429, "TOOMANYREQUESTS", "too many requests").with("Retry-After", "1"));
    AcrAuthException e = fails(Reason.THROTTLED, () -> client.exchange(registry, challenge(), ENTRA, TENANT, SP));
    assertEquals(4, acr.requests().size());
    assertTrue(e.detail().orElseThrow().startsWith("still 429 after 4 attempts in "), e.detail().orElseThrow());
    assertTrue(e.detail().orElseThrow().endsWith(": TOOMANYREQUESTS: too many requests"), e.detail().orElseThrow());
    assertTrue(e.getMessage().endsWith(". Fix: " + Reason.THROTTLED.remedy()), e.getMessage());
  }

  @Test
  void exchangeServerErrorsThroughoutFailWithServiceUnavailable() {
    acr.on("/oauth2/exchange", json(503, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"busy\"}]}"));
    AcrAuthException e = fails(Reason.SERVICE_UNAVAILABLE, () -> client.exchange(registry, challenge(), ENTRA, TENANT, SP));
    assertEquals(4, acr.requests().size());
    assertTrue(e.detail().orElseThrow().endsWith("answered 503 after 4 attempts: UNAVAILABLE: busy"), e.detail().orElseThrow());
  }

  @Test
  void exchangeWithPlainHttpRealmElsewhereIsRefusedBeforeSending() {
    Challenge c = ChallengeParser.parse("Bearer realm=\"http://evil.example/oauth2/token\",service=\"x\"").get(0);
    AcrAuthException e = fails(Reason.NOT_ACR, () -> client.exchange(registry, c, ENTRA, TENANT, SP));
    assertTrue(e.detail().orElseThrow().contains("token service is on evil.example"), e.getMessage());
    assertEquals(List.of(), acr.requests());
  }

  @Test
  void tokensAndPasswordsGoOnlyToTheRegistrysOwnHostEvenOverHttps() {
    // A registry that is not ACR (or a hostile challenge) must not collect an Entra token, refresh token or password.
    Challenge c = ChallengeParser.parse("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\"").get(0);
    fails(Reason.NOT_ACR, () -> client.exchange(registry, c, ENTRA, TENANT, SP));
    fails(Reason.NOT_ACR, () -> client.accessToken(registry, c, REFRESH, List.of(Scope.pull("a")), SP));
    fails(Reason.NOT_ACR, () -> client.basicAccessToken(registry, c, "admin", Secret.of("pw-123"), List.of(), SP));
    assertEquals(List.of(), acr.requests());
  }

  @Test
  void exchangeWithBasicChallengeFailsWithNotAcr() {
    Challenge c = ChallengeParser.parse("Basic realm=\"Azure Container Registry\"").get(0);
    fails(Reason.NOT_ACR, () -> client.exchange(registry, c, ENTRA, TENANT, SP));
    assertEquals(List.of(), acr.requests());
  }

  @Test
  void everyRoundTripIsLoggedAsDebugWithMethodUrlStatusAndTime() throws Exception {
    acr.on("/oauth2/exchange", json(503, "{}"), json(200, "{\"refresh_token\":\"r\"}"));
    client.exchange(registry, challenge(), ENTRA, TENANT, SP);
    List<String> debug =
        events.stream().filter(e -> e.level() == AuthEvent.Level.DEBUG).map(AuthEvent::message).toList();
    String url = "POST " + acr.origin() + "/oauth2/exchange";
    assertTrue(debug.get(0).matches(java.util.regex.Pattern.quote(url) + " -> 503 \\(\\d+ ms\\)"), debug.get(0));
    assertTrue(debug.get(1).matches(java.util.regex.Pattern.quote(url) + " -> 200 \\(\\d+ ms\\)"), debug.get(1));
    assertTrue(events.stream().anyMatch(e -> e.level() == AuthEvent.Level.INFO
        && e.message().equals(url + " answered 503; retrying in 500 ms (attempt 2 of 4)")), events.toString());
  }

  // ---------------------------------------------------------------- access token

  @Test
  void accessTokenSendsSortedRepeatedScopesAndReturnsTheToken() throws Exception {
    acr.on("/oauth2/token", json(200, "{\"access_token\":\"" + ACCESS_VALUE + "\"}"));
    Secret token = client.accessToken(registry, challenge(), REFRESH,
        List.of(Scope.push("zeta"), Scope.pull("alpha"), Scope.catalog()), SP);
    assertEquals(ACCESS_VALUE, token.reveal());
    Received r = acr.requests().get(0);
    assertEquals("POST", r.method());
    assertEquals("/oauth2/token", r.path());
    assertEquals("application/x-www-form-urlencoded", r.header("Content-Type"));
    assertEquals(
        List.of("grant_type=refresh_token", "service=" + service, "scope=registry:catalog:*",
            "scope=repository:alpha:pull", "scope=repository:zeta:pull,push", "refresh_token=" + REFRESH_VALUE),
        r.fieldList());
    assertNull(r.header("Authorization"));
    assertSentByUs(r);
  }

  @Test
  void accessTokenAcceptsTheTokenField() throws Exception {
    acr.on("/oauth2/token", json(200, "{\"token\":\"t\"}"));
    assertEquals("t", client.accessToken(registry, challenge(), REFRESH, List.of(Scope.pull("a")), SP).reveal());
  }

  @Test
  void accessTokenWithRejectedRefreshTokenFailsWithTokenRejected() {
    acr.on("/oauth2/token", acrError(401, "UNAUTHORIZED", "authentication required"));
    AcrAuthException e = fails(Reason.TOKEN_REJECTED,
        () -> client.accessToken(registry, challenge(), REFRESH, List.of(Scope.push("b"), Scope.pull("a")), SP));
    assertEquals("repository:a:pull repository:b:pull,push", e.scope().orElseThrow());
    assertTrue(e.getMessage().startsWith("ACR access token failed for " + service
        + " (scope repository:a:pull repository:b:pull,push) with "), e.getMessage());
  }

  @Test
  void accessTokenWithoutRoleFailsWithMissingRole() {
    acr.on("/oauth2/token", acrError(403, "DENIED", "retrieving permissions failed"));
    fails(Reason.MISSING_ROLE, () -> client.accessToken(registry, challenge(), REFRESH, List.of(Scope.pull("a")), SP));
  }

  @Test
  void accessTokenBehindFirewallFailsWithFirewall() {
    acr.on("/oauth2/token", acrError(403, "DENIED", "client with IP '203.0.113.9' is not allowed access."));
    fails(Reason.FIREWALL, () -> client.accessToken(registry, challenge(), REFRESH, List.of(Scope.pull("a")), SP));
  }

  @Test
  void accessTokenThrottledThroughoutFailsWithThrottled() {
    acr.on("/oauth2/token", json(429, "{}"));
    fails(Reason.THROTTLED, () -> client.accessToken(registry, challenge(), REFRESH, List.of(Scope.pull("a")), SP));
    assertEquals(4, acr.requests().size());
  }

  // ---------------------------------------------------------------- Basic

  static final String ADMIN = "myregistry";
  static final Secret PASSWORD = Secret.of("adm1n-P@ss/word=");
  static final CredentialSource ADMIN_USER = CredentialSource.adminUser(ADMIN, PASSWORD);

  static String basicHeader() {
    return "Basic " + Base64.getEncoder().encodeToString((ADMIN + ":" + PASSWORD.reveal()).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void basicAccessTokenGetsTheRealmWithBasicAuthServiceAndScopes() throws Exception {
    acr.on("/oauth2/token", json(200, "{\"access_token\":\"" + ACCESS_VALUE + "\"}"));
    Secret token = client.basicAccessToken(registry, challenge(), ADMIN, PASSWORD,
        List.of(Scope.push("samples/hello"), Scope.pull("base/image")), ADMIN_USER);
    assertEquals(ACCESS_VALUE, token.reveal());
    Received r = acr.requests().get(0);
    assertEquals("GET", r.method());
    assertEquals("/oauth2/token", r.path());
    assertEquals(basicHeader(), r.header("Authorization"));
    assertEquals(List.of("service=" + service, "scope=repository:base/image:pull",
        "scope=repository:samples/hello:pull,push"), r.fieldList());
    assertEquals("", r.body());
    assertSentByUs(r);
    // The query (scopes) stays out of the log line; only the path is shown.
    assertTrue(events.stream().anyMatch(e -> e.message().startsWith("GET " + acr.origin() + "/oauth2/token -> 200")),
        events.toString());
  }

  @Test
  void basicAccessTokenWithoutScopesOnlyChecksThePassword() throws Exception {
    acr.on("/oauth2/token", json(200, "{\"token\":\"t\"}"));
    client.basicAccessToken(registry, challenge(), ADMIN, PASSWORD, List.of(), ADMIN_USER);
    assertEquals(List.of("service=" + service), acr.requests().get(0).fieldList());
  }

  @Test
  void basicAccessTokenKeepsAQueryTheRealmAlreadyHas() throws Exception {
    acr.on("/auth", json(200, "{\"token\":\"t\"}"));
    Challenge c = ChallengeParser.parse("Bearer realm=\"" + acr.origin() + "/auth?account=x\",service=\"s\"").get(0);
    client.basicAccessToken(registry, c, ADMIN, PASSWORD, List.of(Scope.pull("a")), ADMIN_USER);
    assertEquals(List.of("account=x", "service=s", "scope=repository:a:pull"), acr.requests().get(0).fieldList());
  }

  @Test
  void basicAccessTokenWithBasicChallengeAsksTheRegistrysTokenEndpoint() throws Exception {
    acr.on("/oauth2/token", json(200, "{\"access_token\":\"t\"}"));
    Challenge basic = ChallengeParser.parse("Basic realm=\"Azure Container Registry\"").get(0);
    client.basicAccessToken(registry, basic, ADMIN, PASSWORD, List.of(Scope.pull("a")), ADMIN_USER);
    assertEquals(List.of("service=" + service, "scope=repository:a:pull"), acr.requests().get(0).fieldList());
    assertEquals(basicHeader(), acr.requests().get(0).header("Authorization"));
  }

  @Test
  void basicAccessTokenWithWrongPasswordFailsWithBadPassword() {
    acr.on("/oauth2/token", new Reply(401, Map.of("WWW-Authenticate", "Basic realm=\"Azure Container Registry\""),
        "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}"));
    AcrAuthException e = fails(Reason.BAD_PASSWORD,
        () -> client.basicAccessToken(registry, challenge(), ADMIN, PASSWORD, List.of(), ADMIN_USER));
    assertTrue(e.getMessage().contains("admin user enabled") || e.getMessage().contains("60 s"), e.getMessage());
    assertFalse(e.scope().isPresent());
  }

  @Test
  void basicAccessTokenForbiddenFailsWithInsufficientScope() {
    acr.on("/oauth2/token", acrError(403, "DENIED", "requested access to the resource is denied"));
    fails(Reason.INSUFFICIENT_SCOPE,
        () -> client.basicAccessToken(registry, challenge(), ADMIN, PASSWORD, List.of(Scope.push("a")), ADMIN_USER));
  }

  @Test
  void basicAccessTokenWithColonInUsernameFailsWithoutSending() {
    fails(Reason.CONFIGURATION,
        () -> client.basicAccessToken(registry, challenge(), "a:b", PASSWORD, List.of(), ADMIN_USER));
    assertEquals(List.of(), acr.requests());
  }

  @Test
  void invalidTelemetryClientIsRejectedAtConstruction() {
    assertThrows(IllegalArgumentException.class,
        () -> new TokenServiceClient(new Transport(LOOPBACK_HTTP, Map.of()), RetryPolicy.none(), "bad client",
            AuthEvent.IGNORE));
  }
}
