package io.github.acrlogin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The App Service style managed-identity endpoint, called as MSAL4J 1.26 calls it. */
class ManagedIdentityEndpointTest {
  static AcrTestBed bed;
  static Wire wire;

  @BeforeAll
  static void start() {
    bed = AcrTestBed.start();
    wire = new Wire(bed);
  }

  @AfterAll
  static void stop() {
    bed.close();
  }

  private Wire.Response call(String query, String header) {
    String url = bed.identityEndpoint() + "?api-version=2019-08-01&resource="
        + URLEncoder.encode("https://containerregistry.azure.net", StandardCharsets.UTF_8) + query;
    return header == null ? wire.get(url) : wire.get(url, "X-IDENTITY-HEADER", header);
  }

  @Test
  void systemAssignedIdentityGetsAnAcrToken() {
    ManagedIdentity mi = bed.systemAssignedIdentity();
    Wire.Response r = call("", bed.identityHeader());
    assertEquals(200, r.status(), r.body());
    JsonNode json = r.json();
    assertEquals("Bearer", json.get("token_type").asText());
    assertEquals("https://containerregistry.azure.net", json.get("resource").asText());
    assertEquals(mi.clientId(), json.get("client_id").asText());
    assertTrue(Long.parseLong(json.get("expires_on").asText()) > Instant.now().getEpochSecond());
    JsonNode claims = Wire.claims(json.get("access_token").asText());
    assertEquals(mi.objectId(), claims.get("oid").asText());
    assertEquals("https://containerregistry.azure.net", claims.get("aud").asText());
  }

  @Test
  void userAssignedIdentityIsFoundByClientIdObjectIdOrResourceId() {
    ManagedIdentity mi = bed.addManagedIdentity("builder-identity");
    for (String query : new String[] {"&client_id=" + mi.clientId(), "&object_id=" + mi.objectId(),
        "&mi_res_id=" + URLEncoder.encode(mi.resourceId().orElseThrow(), StandardCharsets.UTF_8)}) {
      Wire.Response r = call(query, bed.identityHeader());
      assertEquals(200, r.status(), r.body());
      assertEquals(mi.objectId(), Wire.claims(r.json().get("access_token").asText()).get("oid").asText());
    }
    assertEquals(400, call("&client_id=11111111-2222-3333-4444-555555555555", bed.identityHeader()).status());
  }

  @Test
  void missingHeaderIs400WrongHeaderIs401AndUnknownResourceIs400() {
    assertEquals(400, call("", null).status());
    assertEquals(401, call("", "wrong").status());
    bed.systemAssignedIdentity();
    Wire.Response r = wire.get(bed.identityEndpoint() + "?api-version=2019-08-01&resource=https://myreg.azurecr.io",
        "X-IDENTITY-HEADER", bed.identityHeader());
    assertEquals(400, r.status());
    assertTrue(r.json().get("message").asText().startsWith("AADSTS500011"), r.body());
  }
}
