package io.github.acrlogin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The emulated token service and the REAL registry together behave like ACR on the wire. */
class AcrTokenServiceTest {
  static final String ACR_SCOPE = "https://containerregistry.azure.net/.default";
  static final String ARM_SCOPE = "https://management.azure.com/.default";
  static AcrTestBed bed;
  static TestRegistry lenient;
  static TestRegistry strict;
  static Wire wire;

  @BeforeAll
  static void start() {
    bed = AcrTestBed.start();
    lenient = bed.addRegistry("lenientreg", r -> r.adminUser(true));
    strict = bed.addRegistry("strictreg", r -> r.armPolicy(false));
    wire = new Wire(bed);
  }

  @AfterAll
  static void stop() {
    bed.close();
  }

  @Test
  void registryChallengesWithBearerRealmAndServiceOfTheEmulator() {
    Wire.Response r = wire.get("https://" + lenient.loginServer() + "/v2/");
    assertEquals(401, r.status());
    assertEquals("Bearer realm=\"" + bed.emulator().realm() + "\",service=\"" + lenient.loginServer() + "\"",
        r.header("WWW-Authenticate"));
  }

  @Test
  void secretGrantExchangeAndScopedTokenAreAcceptedByTheRealRegistry() {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, lenient, Role.ACR_PUSH);
    String aad = wire.entraToken(bed.authorityHost(), sp.tenantId(), sp.clientId(), sp.requireSecret(), ACR_SCOPE);
    JsonNode aadClaims = Wire.claims(aad);
    assertEquals("https://containerregistry.azure.net", aadClaims.get("aud").asText());
    assertEquals("https://sts.windows.net/" + sp.tenantId() + "/", aadClaims.get("iss").asText());
    assertEquals(sp.tenantId(), aadClaims.get("tid").asText());
    assertEquals(sp.objectId(), aadClaims.get("oid").asText());
    assertEquals(sp.clientId(), aadClaims.get("appid").asText());
    assertTrue(aadClaims.get("exp").asLong() > aadClaims.get("iat").asLong());

    Wire.Response exchanged = wire.exchange(bed, lenient, sp.tenantId(), aad);
    assertEquals(200, exchanged.status(), exchanged.body());
    String refresh = exchanged.json().get("refresh_token").asText();
    JsonNode refreshClaims = Wire.claims(refresh);
    assertEquals("Azure Container Registry", refreshClaims.get("iss").asText());
    assertEquals(lenient.loginServer(), refreshClaims.get("aud").asText());
    assertEquals(sp.tenantId(), refreshClaims.get("tenant").asText());
    long lifetime = refreshClaims.get("exp").asLong() - refreshClaims.get("iat").asLong();
    assertTrue(lifetime >= 10_000 && lifetime <= 12_000, "about three hours: " + lifetime);

    Wire.Response token = wire.accessToken(bed, lenient, refresh, "repository:hello:pull,push");
    assertEquals(200, token.status(), token.body());
    String access = token.json().get("access_token").asText();
    JsonNode grant = Wire.claims(access).get("access").get(0);
    assertEquals("repository", grant.get("type").asText());
    assertEquals("hello", grant.get("name").asText());
    assertEquals("[\"pull\",\"push\"]", grant.get("actions").toString());

    String bearer = "Bearer " + access;
    assertEquals(200, wire.get("https://" + lenient.loginServer() + "/v2/", "Authorization", bearer).status());
    Wire.Response tags = wire.get("https://" + lenient.loginServer() + "/v2/hello/tags/list", "Authorization", bearer);
    assertEquals(404, tags.status(), "authorized, the repository does not exist yet: " + tags.body());
    assertEquals(202, startUpload(lenient, "hello", bearer).status());
  }

  @Test
  void pullOnlyIdentityGetsOnlyPullAndTheRealRegistryRefusesItsPush() {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, lenient, Role.ACR_PULL);
    String refresh = wire.refreshToken(bed, lenient, sp);
    Wire.Response token = wire.accessToken(bed, lenient, refresh, "repository:hello:pull,push");
    assertEquals(200, token.status(), token.body());
    String access = token.json().get("access_token").asText();
    assertEquals("[\"pull\"]", Wire.claims(access).get("access").get(0).get("actions").toString());
    Wire.Response push = startUpload(lenient, "hello", "Bearer " + access);
    assertEquals(401, push.status());
    assertTrue(push.body().contains("UNAUTHORIZED"), push.body());
    assertTrue(push.header("WWW-Authenticate").contains("error=\"insufficient_scope\""), push.header("WWW-Authenticate"));
  }

  @Test
  void identityWithoutAnyRoleIsDeniedWhenAskingForATokenNotAtExchange() {
    ServicePrincipal sp = bed.addServicePrincipal();
    String refresh = wire.refreshToken(bed, lenient, sp);
    Wire.Response token = wire.accessToken(bed, lenient, refresh, "repository:hello:pull");
    assertEquals(403, token.status());
    assertEquals("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"retrieving permissions failed\"}]}", token.body());
  }

  @Test
  void armAudienceIsAcceptedWhilePolicyEnabledAndDisallowedWhenDisabled() {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, lenient, Role.ACR_PULL).grant(sp, strict, Role.ACR_PULL);
    String arm = wire.entraToken(bed.authorityHost(), sp.tenantId(), sp.clientId(), sp.requireSecret(), ARM_SCOPE);
    assertEquals("https://management.azure.com/", Wire.claims(arm).get("aud").asText());
    assertEquals(200, wire.exchange(bed, lenient, sp.tenantId(), arm).status());
    Wire.Response refused = wire.exchange(bed, strict, sp.tenantId(), arm);
    assertEquals(401, refused.status());
    assertEquals("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"arm aad token disallowed\"}]}", refused.body());
    String acr = wire.entraToken(bed.authorityHost(), sp.tenantId(), sp.clientId(), sp.requireSecret(), ACR_SCOPE);
    assertEquals(200, wire.exchange(bed, strict, sp.tenantId(), acr).status());
  }

  @Test
  void exchangeRejectsForgedAndExpiredEntraTokens() {
    ServicePrincipal sp = bed.addServicePrincipal();
    String aad = wire.entraToken(bed.authorityHost(), sp.tenantId(), sp.clientId(), sp.requireSecret(), ACR_SCOPE);
    String forged = aad.substring(0, aad.lastIndexOf('.') + 1) + "AAAA";
    assertEquals(401, wire.exchange(bed, lenient, sp.tenantId(), forged).status());
    bed.faults().clockSkew(java.time.Duration.ofHours(2));
    try {
      Wire.Response expired = wire.exchange(bed, lenient, sp.tenantId(), aad);
      assertEquals(401, expired.status());
      assertTrue(expired.body().contains("UNAUTHORIZED"), expired.body());
    } finally {
      bed.faults().reset();
    }
  }

  @Test
  void adminUserGetsFullAccessWithEitherPasswordAndWrongPasswordGetsBasicChallenge() {
    for (String password : new String[] {lenient.adminPassword(), lenient.adminPassword2()}) {
      Wire.Response r = basicToken(lenient, lenient.adminUsername(), password, "repository:admin:pull,push,delete");
      assertEquals(200, r.status(), r.body());
      String access = r.json().get("access_token").asText();
      assertEquals("[\"pull\",\"push\",\"delete\"]",
          Wire.claims(access).get("access").get(0).get("actions").toString());
      assertEquals(202, startUpload(lenient, "admin", "Bearer " + access).status());
    }
    Wire.Response wrong = basicToken(lenient, lenient.adminUsername(), "wrong", "repository:admin:pull");
    assertEquals(401, wrong.status());
    assertEquals("Basic realm=\"Azure Container Registry\"", wrong.header("WWW-Authenticate"));
    assertEquals("UNAUTHORIZED", wrong.json().get("errors").get(0).get("code").asText());
    Wire.Response disabled = basicToken(strict, strict.adminUsername(), "anything", "repository:admin:pull");
    assertEquals(401, disabled.status());
    assertEquals("Basic realm=\"Azure Container Registry\"", disabled.header("WWW-Authenticate"));
  }

  @Test
  void repositoryTokenGetsWhatItsScopeMapAllowsAndNoCatalog() {
    RepositoryToken token = bed.addRepositoryToken(lenient, "reader-token",
        Map.of("app", Set.of(RepositoryPermission.CONTENT_READ, RepositoryPermission.METADATA_READ)));
    Wire.Response r = basicToken(lenient, token.name(), token.password2(),
        "repository:app:pull,push", "repository:other:pull", "registry:catalog:*");
    assertEquals(200, r.status(), r.body());
    JsonNode access = Wire.claims(r.json().get("access_token").asText()).get("access");
    assertEquals(1, access.size(), access.toString());
    assertEquals("app", access.get(0).get("name").asText());
    assertEquals("[\"pull\"]", access.get(0).get("actions").toString());
    String bearer = "Bearer " + r.json().get("access_token").asText();
    assertEquals(401, startUpload(lenient, "app", bearer).status());
    assertEquals(401, wire.get("https://" + lenient.loginServer() + "/v2/_catalog", "Authorization", bearer).status());
    assertEquals(401, basicToken(lenient, token.name(), "wrong", "repository:app:pull").status());
  }

  @Test
  void nullGuidUserWithRefreshTokenAsPasswordWorksOnTheGetRealm() {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, lenient, Role.ACR_PUSH);
    String refresh = wire.refreshToken(bed, lenient, sp);
    Wire.Response r = basicToken(lenient, "00000000-0000-0000-0000-000000000000", refresh,
        "repository:nullguid:pull,push registry:catalog:*");
    assertEquals(200, r.status(), r.body());
    String access = r.json().get("access_token").asText();
    assertEquals(2, Wire.claims(access).get("access").size());
    assertEquals(202, startUpload(lenient, "nullguid", "Bearer " + access).status());
    assertEquals(200, wire.get("https://" + lenient.loginServer() + "/v2/_catalog", "Authorization",
        "Bearer " + access).status());
  }

  @Test
  void refreshTokenIsNotABearerTokenForTheRegistryAndOnlyFitsItsOwnRegistry() {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, lenient, Role.OWNER).grant(sp, strict, Role.OWNER);
    String refresh = wire.refreshToken(bed, lenient, sp);
    assertEquals(401, wire.get("https://" + lenient.loginServer() + "/v2/", "Authorization", "Bearer " + refresh).status());
    Wire.Response other = wire.accessToken(bed, strict, refresh, "repository:x:pull");
    assertEquals(401, other.status());
    assertFalse(other.body().contains(refresh));
  }

  @Test
  void scopesMayRepeatAndBeSpaceSeparated() {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, lenient, Role.ACR_PUSH);
    String refresh = wire.refreshToken(bed, lenient, sp);
    Wire.Response r = wire.accessToken(bed, lenient, refresh, "repository:a:pull repository:b:push",
        "repository:c:pull", "repository:a:push");
    JsonNode access = Wire.claims(r.json().get("access_token").asText()).get("access");
    assertEquals("[{\"type\":\"repository\",\"name\":\"a\",\"actions\":[\"pull\",\"push\"]},"
        + "{\"type\":\"repository\",\"name\":\"b\",\"actions\":[\"push\"]},"
        + "{\"type\":\"repository\",\"name\":\"c\",\"actions\":[\"pull\"]}]", sorted(access));
  }

  private static String sorted(JsonNode access) {
    java.util.List<String> parts = new java.util.ArrayList<>();
    access.forEach(n -> parts.add("{\"type\":\"" + n.get("type").asText() + "\",\"name\":\"" + n.get("name").asText()
        + "\",\"actions\":" + n.get("actions") + "}"));
    java.util.Collections.sort(parts);
    return "[" + String.join(",", parts) + "]";
  }

  static Wire.Response basicToken(TestRegistry registry, String user, String password, String... scopes) {
    StringBuilder url = new StringBuilder(bed.emulator().realm()).append("?service=").append(registry.loginServer());
    for (String s : scopes) {
      url.append("&scope=").append(java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8));
    }
    return wire.get(url.toString(), "Authorization", Wire.basic(user, password));
  }

  static Wire.Response startUpload(TestRegistry registry, String repository, String authorization) {
    return wire.send(HttpRequest.newBuilder(URI.create("https://" + registry.loginServer() + "/v2/" + repository
        + "/blobs/uploads/")).header("Authorization", authorization).POST(HttpRequest.BodyPublishers.noBody()));
  }
}
