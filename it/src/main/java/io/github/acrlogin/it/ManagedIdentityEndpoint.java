package io.github.acrlogin.it;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The managed-identity endpoint of App Service and similar hosts ({@code IDENTITY_ENDPOINT} +
 * {@code IDENTITY_HEADER}, api-version 2019-08-01), as MSAL4J 1.26 calls it: {@code GET
 * <endpoint>?api-version=2019-08-01&resource=<resource>[&client_id=|&object_id=|&mi_res_id=]} with
 * header {@code X-IDENTITY-HEADER}. Error bodies follow App Service's {@code {"statusCode","message"}}
 * shape (approximate: not documented publicly).
 */
final class ManagedIdentityEndpoint {
  static final String API_VERSION = "2019-08-01";
  static final String SECRET_HEADER = "X-IDENTITY-HEADER";

  private final AzureEmulator emulator;

  ManagedIdentityEndpoint(AzureEmulator emulator) {
    this.emulator = emulator;
  }

  void token(HttpCall call) throws IOException {
    String secret = call.header(SECRET_HEADER);
    if (secret == null) {
      fail(call, 400, "Required header " + SECRET_HEADER + " is missing.");
      return;
    }
    if (!Directory.same(secret, emulator.identityHeader())) {
      fail(call, 401, "Unauthorized: the " + SECRET_HEADER + " header is not valid.");
      return;
    }
    if (!"GET".equals(call.method())) {
      fail(call, 405, "Method not allowed.");
      return;
    }
    if (!API_VERSION.equals(call.query("api-version"))) {
      fail(call, 400, "api-version '" + call.query("api-version") + "' is not supported; use " + API_VERSION + ".");
      return;
    }
    String resource = call.query("resource");
    if (resource == null || resource.isBlank()) {
      fail(call, 400, "Required query parameter 'resource' is missing.");
      return;
    }
    String clientId = call.query("client_id");
    String objectId = call.query("object_id");
    String resourceId = call.query("mi_res_id") != null ? call.query("mi_res_id") : call.query("msi_res_id");
    Optional<ManagedIdentity> identity = clientId == null && objectId == null && resourceId == null
        ? emulator.directory().systemAssigned()
        : emulator.directory().userAssignedBy(clientId, objectId, resourceId);
    if (identity.isEmpty()) {
      call.identity(clientId != null ? clientId : objectId != null ? objectId : resourceId);
      fail(call, 400, "No managed identity found for the specified ClientId/ResourceId/PrincipalId"
          + " (or no system-assigned identity is enabled).");
      return;
    }
    call.identity(identity.get().clientId());
    Optional<String> audience = EntraEndpoint.audienceOf(resource);
    if (audience.isEmpty()) {
      fail(call, 400, "AADSTS500011: The resource principal named " + resource + " was not found in the tenant "
          + "named " + identity.get().tenantId() + ".");
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("access_token", emulator.entraToken(identity.get(), audience.get(), "2"));
    // App Service answers expires_on as a string of epoch seconds.
    body.put("expires_on", Long.toString(emulator.now().plus(emulator.faults().entraLifetime()).getEpochSecond()));
    body.put("resource", resource);
    body.put("token_type", "Bearer");
    body.put("client_id", identity.get().clientId());
    call.json(200, body);
  }

  private static void fail(HttpCall call, int status, String message) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("statusCode", status);
    body.put("message", message);
    body.put("correlationId", Directory.newId());
    call.json(status, body);
  }
}
