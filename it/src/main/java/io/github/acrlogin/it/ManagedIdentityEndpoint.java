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
    // The caller was identified (see caller) before this runs.
    Optional<ManagedIdentity> identity = requested(call);
    if (identity.isEmpty()) {
      fail(call, 400, "No managed identity found for the specified ClientId/ResourceId/PrincipalId"
          + " (or no system-assigned identity is enabled).");
      return;
    }
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

  /**
   * Who is calling, for the counters: the client id of the identity the request asks for, or, when there is
   * no such identity, the id it named ({@code null} when it named none).
   */
  String caller(HttpCall call) {
    return requested(call).map(ManagedIdentity::clientId).orElseGet(() -> named(call));
  }

  /**
   * The identity the request asks for: the user-assigned one named by {@code client_id}, {@code object_id} or
   * {@code mi_res_id} (or its older name {@code msi_res_id}), or the system-assigned one when it names none.
   */
  private Optional<ManagedIdentity> requested(HttpCall call) {
    String clientId = call.query("client_id");
    String objectId = call.query("object_id");
    String resourceId = resourceId(call);
    return clientId == null && objectId == null && resourceId == null
        ? emulator.directory().systemAssigned()
        : emulator.directory().userAssignedBy(clientId, objectId, resourceId);
  }

  private static String named(HttpCall call) {
    String clientId = call.query("client_id");
    String objectId = call.query("object_id");
    return clientId != null ? clientId : objectId != null ? objectId : resourceId(call);
  }

  private static String resourceId(HttpCall call) {
    return call.query("mi_res_id") != null ? call.query("mi_res_id") : call.query("msi_res_id");
  }

  /** App Service's error shape: {@code {"statusCode","message","correlationId"}}. */
  static void fail(HttpCall call, int status, String message) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("statusCode", status);
    body.put("message", message);
    body.put("correlationId", Directory.newId());
    call.json(status, body);
  }
}
