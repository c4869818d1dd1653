package io.github.acrlogin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Entra's token endpoint as emulated: every credential kind, every AADSTS error path, the JSON shapes. */
class EntraEmulatorTest {
  static final String ACR_SCOPE = "https://containerregistry.azure.net/.default";
  static AcrTestBed bed;
  static Wire wire;
  static ServicePrincipal sp;

  @BeforeAll
  static void start() {
    bed = AcrTestBed.start();
    wire = new Wire(bed);
    sp = bed.addServicePrincipal(s -> s.certificate(true));
  }

  @AfterAll
  static void stop() {
    bed.close();
  }

  private Wire.Response token(String tenant, String... form) {
    return wire.post(bed.authorityHost() + "/" + tenant + "/oauth2/v2.0/token", form);
  }

  private Wire.Response secretGrant(String tenant, String clientId, String secret, String scope) {
    return token(tenant, "grant_type", "client_credentials", "client_id", clientId, "client_secret", secret,
        "scope", scope);
  }

  static void assertAadsts(Wire.Response r, int status, String error, int code) {
    assertEquals(status, r.status(), r.body());
    JsonNode json = r.json();
    assertEquals(error, json.get("error").asText());
    assertEquals(code, json.get("error_codes").get(0).asInt());
    String description = json.get("error_description").asText();
    assertTrue(description.startsWith("AADSTS" + code + ": "), description);
    assertTrue(description.contains("\r\nTrace ID: " + json.get("trace_id").asText()), description);
    assertTrue(description.contains("\r\nCorrelation ID: " + json.get("correlation_id").asText()), description);
    assertTrue(description.contains("\r\nTimestamp: " + json.get("timestamp").asText()), description);
    assertTrue(json.get("error_uri").asText().endsWith("?code=" + code));
  }

  @Test
  void secretGrantAnswersBearerTokenInEntraShape() {
    Wire.Response r = secretGrant(sp.tenantId(), sp.clientId(), sp.requireSecret(), ACR_SCOPE);
    assertEquals(200, r.status(), r.body());
    JsonNode json = r.json();
    assertEquals("Bearer", json.get("token_type").asText());
    assertEquals(3599, json.get("expires_in").asInt());
    assertEquals(3599, json.get("ext_expires_in").asInt());
    JsonNode claims = Wire.claims(json.get("access_token").asText());
    for (String claim : List.of("aud", "iss", "tid", "oid", "appid", "iat", "nbf", "exp")) {
      assertTrue(claims.has(claim), claim);
    }
  }

  @Test
  void unknownTenantIs90002() {
    assertAadsts(secretGrant("11111111-2222-3333-4444-555555555555", sp.clientId(), sp.requireSecret(), ACR_SCOPE),
        400, "invalid_request", 90002);
  }

  @Test
  void unknownClientIs700016() {
    assertAadsts(secretGrant(sp.tenantId(), "11111111-2222-3333-4444-555555555555", "x", ACR_SCOPE),
        400, "unauthorized_client", 700016);
  }

  @Test
  void wrongSecretIs7000215AndDoesNotEchoTheSecret() {
    Wire.Response r = secretGrant(sp.tenantId(), sp.clientId(), "not-the-secret-value", ACR_SCOPE);
    assertAadsts(r, 401, "invalid_client", 7000215);
    assertFalse(r.body().contains("not-the-secret-value"));
  }

  @Test
  void expiredSecretIs7000222() {
    ServicePrincipal old = bed.addServicePrincipal(s -> s.secretValidFor(Duration.ofDays(-1)));
    assertAadsts(secretGrant(old.tenantId(), old.clientId(), old.requireSecret(), ACR_SCOPE),
        401, "invalid_client", 7000222);
  }

  @Test
  void registrySpecificAudienceIs500011() {
    assertAadsts(secretGrant(sp.tenantId(), sp.clientId(), sp.requireSecret(), "https://myreg.azurecr.io/.default"),
        400, "invalid_resource", 500011);
  }

  @Test
  void scopeWithoutDefaultSuffixIs1002012AndMissingScopeIs900144() {
    assertAadsts(secretGrant(sp.tenantId(), sp.clientId(), sp.requireSecret(), "https://containerregistry.azure.net"),
        400, "invalid_scope", 1002012);
    assertAadsts(token(sp.tenantId(), "grant_type", "client_credentials", "client_id", sp.clientId(),
        "client_secret", sp.requireSecret()), 400, "invalid_request", 900144);
  }

  @Test
  void noCredentialIs7000218AndOtherGrantIs70003() {
    assertAadsts(token(sp.tenantId(), "grant_type", "client_credentials", "client_id", sp.clientId(),
        "scope", ACR_SCOPE), 401, "invalid_client", 7000218);
    assertAadsts(token(sp.tenantId(), "grant_type", "password", "client_id", sp.clientId(), "scope", ACR_SCOPE),
        400, "unsupported_grant_type", 70003);
  }

  @Test
  void correlationIdEchoesClientRequestId() {
    Wire.Response r = wire.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(bed.authorityHost() + "/"
        + sp.tenantId() + "/oauth2/v2.0/token")).header("Content-Type", "application/x-www-form-urlencoded")
        .header("client-request-id", "5e1d2c3b-0000-4000-8000-000000000001")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Wire.form("grant_type", "client_credentials",
            "client_id", sp.clientId(), "client_secret", "wrong", "scope", ACR_SCOPE))));
    assertEquals("5e1d2c3b-0000-4000-8000-000000000001", r.json().get("correlation_id").asText());
  }

  // --- certificate assertions ---

  private String assertion(SigningKey key, String audience, Instant exp, boolean s256) {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put(s256 ? "x5t#S256" : "x5t", s256 ? key.x5tS256() : key.x5t());
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("aud", audience);
    claims.put("iss", sp.clientId());
    claims.put("sub", sp.clientId());
    claims.put("jti", java.util.UUID.randomUUID().toString());
    claims.put("nbf", Instant.now().minusSeconds(60).getEpochSecond());
    claims.put("exp", exp.getEpochSecond());
    return Jwt.sign(header, claims, key.privateKey());
  }

  private Wire.Response assertionGrant(String clientId, String assertion) {
    return token(sp.tenantId(), "grant_type", "client_credentials", "client_id", clientId, "client_assertion_type",
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", assertion, "scope", ACR_SCOPE);
  }

  private String tokenEndpoint() {
    return bed.authorityHost() + "/" + sp.tenantId() + "/oauth2/v2.0/token";
  }

  @Test
  void certificateAssertionWithX5tOrX5tS256IsAccepted() {
    SigningKey key = sp.certificate().orElseThrow().key();
    Instant soon = Instant.now().plusSeconds(600);
    assertEquals(200, assertionGrant(sp.clientId(), assertion(key, tokenEndpoint(), soon, false)).status());
    assertEquals(200, assertionGrant(sp.clientId(), assertion(key, tokenEndpoint(), soon, true)).status());
  }

  @Test
  void certificateAssertionFailuresHaveTheirCodes() {
    SigningKey registered = sp.certificate().orElseThrow().key();
    SigningKey stranger = TestCa.selfSigned("stranger");
    Instant soon = Instant.now().plusSeconds(600);
    assertAadsts(assertionGrant(sp.clientId(), assertion(stranger, tokenEndpoint(), soon, false)),
        401, "invalid_client", 700027);
    // Right thumbprint, wrong key: the signature does not verify.
    String forged = assertion(stranger, tokenEndpoint(), soon, false)
        .replaceFirst("^[^.]+", Jwt.b64(("{\"typ\":\"JWT\",\"alg\":\"RS256\",\"x5t\":\"" + registered.x5t() + "\"}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertAadsts(assertionGrant(sp.clientId(), forged), 401, "invalid_client", 700027);
    assertAadsts(assertionGrant(sp.clientId(), assertion(registered, "https://elsewhere/token", soon, false)),
        401, "invalid_client", 700027);
    assertAadsts(assertionGrant(sp.clientId(), assertion(registered, tokenEndpoint(),
        Instant.now().minusSeconds(3600), false)), 401, "invalid_client", 700024);
    assertAadsts(assertionGrant(sp.clientId(), "not.a.jwt"), 401, "invalid_client", 50027);
  }

  // --- federated assertions (workload identity) ---

  private Wire.Response federatedGrant(WorkloadIdentity wi, String assertion) {
    return token(wi.tenantId(), "grant_type", "client_credentials", "client_id", wi.clientId(), "client_assertion_type",
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", assertion, "scope", ACR_SCOPE);
  }

  @Test
  void federatedAssertionIsAcceptedAndItsFailuresHaveTheirCodes() {
    WorkloadIdentity wi = bed.addWorkloadIdentity("system:serviceaccount:ci:builder");
    Wire.Response ok = federatedGrant(wi, bed.federatedAssertion(wi, Duration.ofMinutes(10)));
    assertEquals(200, ok.status(), ok.body());
    assertEquals(wi.clientId(), Wire.claims(ok.json().get("access_token").asText()).get("appid").asText());

    assertAadsts(federatedGrant(wi, bed.federatedAssertion(wi, Duration.ofMinutes(-10))), 401, "invalid_client", 700024);
    assertAadsts(federatedGrant(wi, bed.federatedAssertion("system:serviceaccount:ci:other",
        WorkloadIdentity.TOKEN_EXCHANGE_AUDIENCE, Duration.ofMinutes(10))), 401, "invalid_client", 700213);
    assertAadsts(federatedGrant(wi, bed.federatedAssertion(wi.subject(), "api://other", Duration.ofMinutes(10))),
        401, "invalid_client", 700212);
    Map<String, Object> claims = Map.of("iss", "https://issuer.example", "sub", wi.subject(),
        "aud", WorkloadIdentity.TOKEN_EXCHANGE_AUDIENCE, "exp", Instant.now().plusSeconds(600).getEpochSecond());
    assertAadsts(federatedGrant(wi, Jwt.sign(Map.of(), claims, TestCa.selfSigned("other issuer").privateKey())),
        401, "invalid_client", 700211);
  }

  @Test
  void msalDiscoveryDocumentsPointBackAtTheEmulator() {
    Wire.Response instance = wire.get(bed.authorityHost() + "/common/discovery/instance?api-version=1.1"
        + "&authorization_endpoint=" + bed.authorityHost() + "/" + sp.tenantId() + "/oauth2/v2.0/authorize");
    assertEquals(200, instance.status());
    assertEquals(bed.authorityHost() + "/" + sp.tenantId() + "/v2.0/.well-known/openid-configuration",
        instance.json().get("tenant_discovery_endpoint").asText());
    Wire.Response oidc = wire.get(instance.json().get("tenant_discovery_endpoint").asText());
    assertEquals(200, oidc.status());
    assertEquals(bed.authorityHost() + "/" + sp.tenantId() + "/oauth2/v2.0/token",
        oidc.json().get("token_endpoint").asText());
    Wire.Response keys = wire.get(oidc.json().get("jwks_uri").asText());
    assertEquals("RSA", keys.json().get("keys").get(0).get("kty").asText());
    assertEquals(400, wire.get(bed.authorityHost() + "/11111111-2222-3333-4444-555555555555"
        + "/v2.0/.well-known/openid-configuration").status());
  }
}
