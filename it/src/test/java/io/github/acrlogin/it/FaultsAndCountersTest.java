package io.github.acrlogin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Fault injection and request counters of the emulator. */
class FaultsAndCountersTest {
  static final String ACR_SCOPE = "https://containerregistry.azure.net/.default";
  static AcrTestBed bed;
  static TestRegistry registry;
  static ServicePrincipal sp;
  static Wire wire;

  @BeforeAll
  static void start() {
    bed = AcrTestBed.start();
    registry = bed.addRegistry("faultyreg");
    sp = bed.addServicePrincipal();
    bed.grant(sp, registry, Role.ACR_PUSH);
    wire = new Wire(bed);
  }

  @AfterAll
  static void stop() {
    bed.close();
  }

  @BeforeEach
  void clean() {
    bed.counters().reset();
  }

  @AfterEach
  void heal() {
    bed.faults().reset();
  }

  private Wire.Response entra() {
    return wire.post(bed.authorityHost() + "/" + sp.tenantId() + "/oauth2/v2.0/token", "grant_type",
        "client_credentials", "client_id", sp.clientId(), "client_secret", sp.requireSecret(), "scope", ACR_SCOPE);
  }

  @Test
  void throttleAnswers429WithRetryAfterForTheNextNRequestsThenRecovers() {
    bed.faults().throttle(Endpoint.ENTRA_TOKEN, 2, 7);
    for (int i = 0; i < 2; i++) {
      Wire.Response r = entra();
      assertEquals(429, r.status());
      assertEquals("7", r.header("Retry-After"));
      assertEquals("temporarily_unavailable", r.json().get("error").asText());
    }
    assertEquals(200, entra().status());
    assertEquals(3, bed.counters().count(Endpoint.ENTRA_TOKEN, sp.clientId()));
  }

  @Test
  void serverErrorBurstAnswers503InAcrShapeThenRecovers() {
    String aad = wire.entraToken(bed.authorityHost(), sp.tenantId(), sp.clientId(), sp.requireSecret(), ACR_SCOPE);
    bed.faults().serverErrors(Endpoint.ACR_EXCHANGE, 1);
    Wire.Response failed = wire.exchange(bed, registry, sp.tenantId(), aad);
    assertEquals(503, failed.status());
    assertEquals("UNAVAILABLE", failed.json().get("errors").get(0).get("code").asText());
    assertEquals(200, wire.exchange(bed, registry, sp.tenantId(), aad).status());
    assertEquals(2, bed.counters().count(Endpoint.ACR_EXCHANGE));
  }

  @Test
  void globalThrottleHitsAnyEndpoint() {
    bed.faults().throttle(1, 3);
    Wire.Response r = wire.get(bed.identityEndpoint() + "?api-version=2019-08-01&resource=x");
    assertEquals(429, r.status());
    assertEquals("3", r.header("Retry-After"));
  }

  @Test
  void droppedConnectionGivesNoAnswerThenRecovers() {
    bed.faults().dropConnections(Endpoint.ENTRA_TOKEN, 1);
    assertThrows(UncheckedIOException.class, this::entra);
    assertEquals(200, entra().status());
  }

  @Test
  void latencyDelaysAnswers() {
    bed.faults().latency(Endpoint.ENTRA_TOKEN, Duration.ofMillis(400));
    long start = System.nanoTime();
    assertEquals(200, entra().status());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 400);
  }

  @Test
  void shortLifetimesAreIssued() {
    bed.faults().entraTokenLifetime(Duration.ofSeconds(30)).refreshTokenLifetime(Duration.ofSeconds(20))
        .accessTokenLifetime(Duration.ofSeconds(10));
    Wire.Response r = entra();
    assertEquals(30, r.json().get("expires_in").asInt());
    String refresh = wire.refreshToken(bed, registry, sp);
    var rc = Wire.claims(refresh);
    assertEquals(20, rc.get("exp").asLong() - rc.get("iat").asLong());
    var ac = Wire.claims(wire.accessToken(bed, registry, refresh, "repository:x:pull").json()
        .get("access_token").asText());
    assertEquals(10, ac.get("exp").asLong() - ac.get("iat").asLong());
  }

  @Test
  void clockSkewShiftsIssuedTokensAndTheRealRegistryRejectsExpiredOnes() {
    bed.faults().clockSkew(Duration.ofHours(-2));
    String refresh = wire.refreshToken(bed, registry, sp);
    String access = wire.accessToken(bed, registry, refresh, "repository:x:pull").json().get("access_token").asText();
    long iat = Wire.claims(access).get("iat").asLong();
    assertTrue(Math.abs(iat - Instant.now().minus(Duration.ofHours(2)).getEpochSecond()) < 60);
    // Issued two hours ago with a 75-minute lifetime: expired for the registry's (real) clock.
    assertEquals(401, wire.get("https://" + registry.loginServer() + "/v2/", "Authorization", "Bearer " + access).status());
    bed.faults().reset();
    String fresh = wire.accessToken(bed, registry, wire.refreshToken(bed, registry, sp), "repository:x:pull")
        .json().get("access_token").asText();
    assertEquals(200, wire.get("https://" + registry.loginServer() + "/v2/", "Authorization", "Bearer " + fresh).status());
  }

  @Test
  void concurrentPushLimitCountsDistinctPushersWithinTheWindow() {
    bed.faults().limitConcurrentPushes(2, Duration.ofSeconds(30));
    ServicePrincipal[] pushers = new ServicePrincipal[3];
    String[] refresh = new String[3];
    for (int i = 0; i < 3; i++) {
      pushers[i] = bed.addServicePrincipal();
      bed.grant(pushers[i], registry, Role.ACR_PUSH);
      refresh[i] = wire.refreshToken(bed, registry, pushers[i]);
    }
    assertEquals(200, wire.accessToken(bed, registry, refresh[0], "repository:busy:pull,push").status());
    assertEquals(200, wire.accessToken(bed, registry, refresh[1], "repository:busy:pull,push").status());
    Wire.Response third = wire.accessToken(bed, registry, refresh[2], "repository:busy:pull,push");
    assertEquals(429, third.status());
    assertEquals("30", third.header("Retry-After"));
    assertEquals("TOOMANYREQUESTS", third.json().get("errors").get(0).get("code").asText());
    // A pusher refreshing its own token keeps its slot; pulls are never limited.
    assertEquals(200, wire.accessToken(bed, registry, refresh[0], "repository:busy:pull,push").status());
    assertEquals(200, wire.accessToken(bed, registry, refresh[2], "repository:busy:pull").status());
  }

  @Test
  void concurrentPushLimitAdmitsAPushOnSeveralRepositoriesWhollyOrNotAtAllAndResetForgetsThePushes() {
    bed.faults().limitConcurrentPushes(2, Duration.ofSeconds(30));
    ServicePrincipal first = bed.addServicePrincipal();
    ServicePrincipal second = bed.addServicePrincipal();
    bed.grant(first, registry, Role.ACR_PUSH).grant(second, registry, Role.ACR_PUSH);
    String firstRefresh = wire.refreshToken(bed, registry, first);
    String secondRefresh = wire.refreshToken(bed, registry, second);
    assertEquals(200, wire.accessToken(bed, registry, firstRefresh, "repository:one:push").status());
    // Two new pairs where one slot is left: refused, and neither pair takes the free slot...
    assertEquals(429, wire.accessToken(bed, registry, secondRefresh, "repository:two:push", "repository:three:push")
        .status());
    // ...so another push still gets it, and then the limit is reached.
    assertEquals(200, wire.accessToken(bed, registry, firstRefresh, "repository:five:push").status());
    assertEquals(429, wire.accessToken(bed, registry, secondRefresh, "repository:two:push").status());
    // Resetting (then limiting again) starts from no pushes in progress.
    bed.faults().reset();
    bed.faults().limitConcurrentPushes(2, Duration.ofSeconds(30));
    assertEquals(200, wire.accessToken(bed, registry, secondRefresh, "repository:three:push", "repository:four:push")
        .status());
  }

  @Test
  void faultedManagedIdentityRequestsAreCountedUnderTheIdentityTheyName() {
    ManagedIdentity mi = bed.addManagedIdentity("counted-identity");
    bed.faults().serverErrors(Endpoint.MANAGED_IDENTITY, 1);
    Wire.Response r = wire.get(bed.identityEndpoint() + "?api-version=2019-08-01&resource="
        + "https://containerregistry.azure.net&mi_res_id=" + mi.resourceId().orElseThrow(),
        "X-IDENTITY-HEADER", bed.identityHeader());
    assertEquals(503, r.status());
    assertEquals(503, r.json().get("statusCode").asInt());
    assertTrue(r.json().hasNonNull("correlationId"), r.body());
    assertEquals(1, bed.counters().count(Endpoint.MANAGED_IDENTITY, mi.clientId()), bed.counters().toString());
  }

  @Test
  void countersRecordEveryEndpointAndIdentityAndReset() {
    wire.refreshToken(bed, registry, sp);
    wire.get(bed.authorityHost() + "/nowhere");
    assertEquals(1, bed.counters().count(Endpoint.ENTRA_TOKEN, sp.clientId()));
    assertEquals(1, bed.counters().count(Endpoint.ACR_EXCHANGE, sp.clientId()));
    assertEquals(1, bed.counters().count(Endpoint.UNKNOWN, "GET /nowhere"));
    assertEquals(3, bed.counters().total());
    assertTrue(bed.counters().snapshot().containsKey(Endpoint.ACR_EXCHANGE));
    bed.counters().reset();
    assertEquals(0, bed.counters().total());
  }
}
