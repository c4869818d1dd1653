package io.github.acrlogin.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.Scope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JwtTest {

  static String part(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** An unsigned-looking JWT with the given claims (signature bytes are irrelevant to a client). */
  static String jwt(String claimsJson) {
    return part("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + part(claimsJson) + ".c2lnbmF0dXJl";
  }

  @Test
  void acrRefreshTokenClaimsAreRead() {
    Jwt jwt =
        Jwt.decode(
            jwt("{\"jti\":\"1\",\"sub\":\"u\",\"nbf\":1700000000,\"exp\":1700011700,\"iat\":1700000000,"
                + "\"iss\":\"Azure Container Registry\",\"aud\":\"x.azurecr.io\",\"version\":\"1.0\","
                + "\"grant_type\":\"refresh_token\",\"tenant\":\"72f988bf-86f1-41af-91ab-2d7cd011db47\"}"));
    assertEquals(Optional.of(Instant.ofEpochSecond(1700011700)), jwt.expiresAt());
    assertEquals(Optional.of(Instant.ofEpochSecond(1700000000)), jwt.issuedAt());
    assertEquals(Optional.of(Instant.ofEpochSecond(1700000000)), jwt.notBefore());
    assertEquals(Optional.of("Azure Container Registry"), jwt.issuer());
    assertEquals(Optional.of("x.azurecr.io"), jwt.audience());
    assertEquals(Optional.of("72f988bf-86f1-41af-91ab-2d7cd011db47"), jwt.tenantId());
    assertEquals(Optional.of("refresh_token"), jwt.stringClaim("grant_type"));
    assertEquals(Optional.of("RS256"), jwt.headerParam("alg"));
  }

  @Test
  void base64UrlPartsWithDashUnderscoreAndNoPaddingDecode() {
    // These claims encode to base64url with '-' and '_' (where plain base64 has '+' and '/') and need
    // padding that is left off: the classic decoding bug.
    String claims = "{\"exp\":1700000000,\"name\":\"??>>??~~\",\"x\":\"\u00ff\u00fe\"}";
    String payload = part(claims);
    assertTrue(payload.contains("-") || payload.contains("_"), payload);
    assertTrue(payload.length() % 4 != 0, "no padding");
    assertThrows(IllegalArgumentException.class, () -> Base64.getDecoder().decode(payload));
    Jwt jwt = Jwt.decode(part("{\"alg\":\"none\"}") + "." + payload + ".");
    assertEquals(Optional.of(Instant.ofEpochSecond(1700000000)), jwt.expiresAt());
    assertEquals(Optional.of("??>>??~~"), jwt.stringClaim("name"));
  }

  @Test
  void paddedAndStandardAlphabetPartsAreTolerated() {
    String claims = "{\"exp\":1700000000,\"name\":\"??>>??~~\"}";
    String standard = Base64.getEncoder().encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Jwt jwt = Jwt.decode(part("{\"alg\":\"none\"}") + "." + standard + ".x");
    assertEquals(Optional.of(Instant.ofEpochSecond(1700000000)), jwt.expiresAt());
  }

  @Test
  void missingExpIsEmpty() {
    Jwt jwt = Jwt.decode(jwt("{\"iss\":\"x\"}"));
    assertEquals(Optional.empty(), jwt.expiresAt());
    assertEquals(Optional.empty(), jwt.issuedAt());
    assertEquals(Optional.empty(), jwt.audience());
    assertEquals(Optional.empty(), jwt.tenantId());
    assertEquals(Set.of(), jwt.access());
  }

  @Test
  void fractionalAndStringExpAreRead() {
    assertEquals(Optional.of(Instant.ofEpochSecond(1700000000)), Jwt.decode(jwt("{\"exp\":1700000000.75}")).expiresAt());
    assertEquals(Optional.of(Instant.ofEpochSecond(1700000000)), Jwt.decode(jwt("{\"exp\":\"1700000000\"}")).expiresAt());
  }

  @Test
  void nonsenseExpIsEmpty() {
    assertEquals(Optional.empty(), Jwt.decode(jwt("{\"exp\":\"tomorrow\"}")).expiresAt());
    assertEquals(Optional.empty(), Jwt.decode(jwt("{\"exp\":-5}")).expiresAt());
    assertEquals(Optional.empty(), Jwt.decode(jwt("{\"exp\":1e300}")).expiresAt());
    assertEquals(Optional.empty(), Jwt.decode(jwt("{\"exp\":{\"a\":1}}")).expiresAt());
  }

  @Test
  void entraTidWinsOverAcrTenant() {
    assertEquals(Optional.of("tid-1"), Jwt.decode(jwt("{\"tid\":\"tid-1\",\"tenant\":\"t-2\"}")).tenantId());
  }

  @Test
  void audienceArrayGivesTheFirst() {
    assertEquals(Optional.of("a"), Jwt.decode(jwt("{\"aud\":[\"a\",\"b\"]}")).audience());
    assertEquals(Optional.empty(), Jwt.decode(jwt("{\"aud\":[]}")).audience());
  }

  @Test
  void accessClaimBecomesScopesSkippingEntriesThatDoNotParse() {
    Jwt jwt =
        Jwt.decode(
            jwt("{\"access\":["
                + "{\"type\":\"repository\",\"name\":\"samples/hello\",\"actions\":[\"push\",\"pull\"]},"
                + "{\"type\":\"repository\",\"name\":\"other\",\"actions\":[\"pull\"]},"
                + "{\"type\":\"registry\",\"name\":\"catalog\",\"actions\":[\"*\"]},"
                + "{\"type\":\"repository\",\"name\":\"Bad Name\",\"actions\":[\"pull\"]},"
                + "{\"type\":\"repository\",\"name\":\"empty\",\"actions\":[]},"
                + "{\"type\":\"repository\",\"name\":\"noactions\"},"
                + "{\"type\":\"weird\",\"name\":\"x\",\"actions\":[\"pull\"]},"
                + "\"not an object\", 42, null"
                + "]}"));
    assertEquals(
        Set.of(Scope.push("samples/hello"), Scope.pull("other"), Scope.catalog()), jwt.access());
  }

  @Test
  void accessClaimOfWrongTypeIsEmpty() {
    assertEquals(Set.of(), Jwt.decode(jwt("{\"access\":\"everything\"}")).access());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "not-a-jwt-s3cr3t-value",
        "a.b",
        "a.b.c.d",
        "!!!.###.$$$",
        "eyJhbGciOiJub25lIn0.bm90IGpzb24.x", // payload "not json"
        "eyJhbGciOiJub25lIn0.WzEsMl0.x", // payload [1,2]: JSON but not an object
        "bm90IGpzb24.eyJleHAiOjF9.x" // header "not json"
      })
  void notAJwtFailsWithoutQuotingTheToken(String token) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Jwt.decode(token));
    assertTrue(e.getMessage().startsWith("Not a JWT"), e.getMessage());
    if (!token.isBlank()) {
      assertFalse(e.getMessage().contains(token), e.getMessage());
      for (String part : token.split("\\.")) {
        if (part.length() > 3) {
          assertFalse(e.getMessage().contains(part), e.getMessage());
        }
      }
    }
    assertEquals(null, e.getCause());
  }

  @Test
  void nullFails() {
    assertThrows(IllegalArgumentException.class, () -> Jwt.decode(null));
  }

  @Test
  void toStringShowsIssuerAudienceExpiryButNotTheToken() {
    String token = jwt("{\"iss\":\"Azure Container Registry\",\"aud\":\"x.azurecr.io\",\"exp\":1700000000,"
        + "\"secretish\":\"do-not-print\"}");
    String s = Jwt.decode(token).toString();
    assertEquals("Jwt{iss=Azure Container Registry, aud=x.azurecr.io, exp=2023-11-14T22:13:20Z}", s);
    assertFalse(s.contains(token.split("\\.")[1]));
  }
}
