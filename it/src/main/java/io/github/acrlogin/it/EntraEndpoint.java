package io.github.acrlogin.it;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Microsoft Entra ID's v2.0 token endpoint for the client credentials grant (secret, certificate
 * assertion, federated assertion), plus what MSAL may ask an authority for (instance discovery, OpenID
 * configuration, keys). Errors carry the real AADSTS codes in Entra's JSON shape.
 */
final class EntraEndpoint {
  static final String ACR_AUDIENCE = "https://containerregistry.azure.net";
  /** ARM tokens carry the resource with a trailing slash, as real v1 tokens for ARM do. */
  static final Set<String> ARM_AUDIENCES = Set.of("https://management.azure.com/", "https://management.core.windows.net/");
  private static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  private static final Set<String> OIDC_SCOPES = Set.of("openid", "profile", "offline_access");
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final AzureEmulator emulator;

  EntraEndpoint(AzureEmulator emulator) {
    this.emulator = emulator;
  }

  /**
   * The audience of a token for {@code resource} (a scope without {@code /.default}), or empty when
   * Entra knows no such resource principal (AADSTS500011). Known: ACR and ARM (both host names).
   */
  static Optional<String> audienceOf(String resource) {
    String r = resource.endsWith("/") ? resource.substring(0, resource.length() - 1) : resource;
    if (r.equalsIgnoreCase(ACR_AUDIENCE)) {
      return Optional.of(ACR_AUDIENCE);
    }
    return ARM_AUDIENCES.stream().filter(a -> a.equalsIgnoreCase(r + "/")).findFirst();
  }

  void token(HttpCall call, String tenant) throws IOException {
    if (!"POST".equals(call.method())) {
      error(call, 405, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a "
          + call.method() + " request.");
      return;
    }
    String clientId = call.form("client_id");
    if (!emulator.directory().tenants.contains(tenant)) {
      error(call, 400, "invalid_request", 90002, "Tenant '" + tenant + "' not found. Check to make sure you have "
          + "the correct tenant ID and are signing into the correct cloud. Check with your subscription "
          + "administrator, this may happen if there are no active subscriptions for the tenant.");
      return;
    }
    String grant = call.form("grant_type");
    if (grant == null) {
      missing(call, "grant_type");
      return;
    }
    if (!"client_credentials".equals(grant)) {
      error(call, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '" + grant + "'.");
      return;
    }
    if (clientId == null) {
      missing(call, "client_id");
      return;
    }
    Optional<Directory.App> app = emulator.directory().app(tenant, clientId);
    if (app.isEmpty()) {
      error(call, 400, "unauthorized_client", 700016, "Application with identifier '" + clientId
          + "' was not found in the directory '" + tenant + "'. This can happen if the application has not been "
          + "installed by the administrator of the tenant or consented to by any user in the tenant. You may have "
          + "sent your authentication request to the wrong tenant.");
      return;
    }
    String appidacr = authenticate(call, app.get(), tenant);
    if (appidacr == null) {
      return;
    }
    Optional<String> audience = audience(call, tenant);
    if (audience.isEmpty()) {
      return;
    }
    Directory.App a = app.get();
    Identity who = new ServicePrincipal(a.tenantId, a.clientId, a.objectId, Optional.empty(), Optional.empty());
    long lifetime = emulator.faults().entraLifetime().toSeconds();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token_type", "Bearer");
    body.put("expires_in", lifetime);
    body.put("ext_expires_in", lifetime);
    body.put("access_token", emulator.entraToken(who, audience.get(), appidacr));
    call.json(200, body);
  }

  /** Checks the client's credential; answers the error and returns null when it is not good. */
  private String authenticate(HttpCall call, Directory.App app, String tenant) throws IOException {
    String secret = call.form("client_secret");
    String assertion = call.form("client_assertion");
    if (secret != null) {
      return checkSecret(call, app, secret) ? "1" : null;
    }
    if (assertion == null) {
      error(call, 401, "invalid_client", 7000218,
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
      return null;
    }
    if (!JWT_BEARER.equals(call.form("client_assertion_type"))) {
      missing(call, "client_assertion_type");
      return null;
    }
    Optional<Jwt> jwt = Jwt.parse(assertion);
    if (jwt.isEmpty()) {
      error(call, 401, "invalid_client", 50027, "JWT token is invalid or malformed.");
      return null;
    }
    // Entra tells an app's own assertion (iss = sub = client id) from a federated one by its issuer.
    boolean own = app.clientId.equals(jwt.get().string("iss"));
    boolean ok = own ? new ClientAssertions(emulator, this).certificate(call, app, tenant, jwt.get())
        : new ClientAssertions(emulator, this).federated(call, app, jwt.get());
    return ok ? "2" : null;
  }

  private boolean checkSecret(HttpCall call, Directory.App app, String secret) throws IOException {
    Instant now = emulator.now();
    boolean expired = false;
    for (Directory.Secret s : app.secrets) {
      if (Directory.same(s.value(), secret)) {
        if (s.expires().isAfter(now)) {
          return true;
        }
        expired = true;
      }
    }
    if (expired) {
      error(call, 401, "invalid_client", 7000222, "The provided client secret keys for app '" + app.clientId
          + "' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, "
          + "or consider using certificate credentials for added security: https://aka.ms/certCreds.");
    } else {
      error(call, 401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in "
          + "the request is the client secret value, not the client secret ID, for a secret added to app '"
          + app.clientId + "'.");
    }
    return false;
  }

  /** The audience for the requested scope, or answers the AADSTS error and returns empty. */
  private Optional<String> audience(HttpCall call, String tenant) throws IOException {
    String raw = call.form("scope");
    if (raw == null) {
      missing(call, "scope");
      return Optional.empty();
    }
    List<String> scopes = new ArrayList<>();
    for (String s : raw.trim().split("\\s+")) {
      if (!s.isEmpty() && !OIDC_SCOPES.contains(s)) {
        scopes.add(s);
      }
    }
    if (scopes.size() != 1 || !scopes.get(0).endsWith("/.default")) {
      error(call, 400, "invalid_scope", 1002012, "The provided value for scope " + raw + " is not valid. Client "
          + "credential flows must have a scope value with /.default suffixed to the resource identifier "
          + "(application ID URI).");
      return Optional.empty();
    }
    String resource = scopes.get(0).substring(0, scopes.get(0).length() - "/.default".length());
    Optional<String> audience = audienceOf(resource);
    if (audience.isEmpty()) {
      error(call, 400, "invalid_resource", 500011, "The resource principal named " + resource + " was not found in "
          + "the tenant named " + tenant + ". This can happen if the application has not been installed by the "
          + "administrator of the tenant or consented to by any user in the tenant. You might have sent your "
          + "authentication request to the wrong tenant.");
    }
    return audience;
  }

  /** {@code GET /common/discovery/instance}: what MSAL's AAD instance discovery expects. */
  void instanceDiscovery(HttpCall call) throws IOException {
    String host = emulator.baseUrl().substring("https://".length());
    String endpoint = call.query("authorization_endpoint");
    String tenant = "common";
    if (endpoint != null) {
      String[] parts = java.net.URI.create(endpoint).getPath().split("/");
      tenant = parts.length > 1 ? parts[1] : tenant;
    }
    Map<String, Object> metadata = Map.of("preferred_network", host, "preferred_cache", host,
        "aliases", List.of(host));
    call.json(200, Map.of("tenant_discovery_endpoint",
        emulator.baseUrl() + "/" + tenant + "/v2.0/.well-known/openid-configuration",
        "api-version", "1.1", "metadata", List.of(metadata)));
  }

  /** {@code GET /{tenant}/v2.0/.well-known/openid-configuration} and {@code /{tenant}/discovery/v2.0/keys}. */
  void openIdConfiguration(HttpCall call, String tenant) throws IOException {
    if (!emulator.directory().tenants.contains(tenant) && !"common".equals(tenant) && !"organizations".equals(tenant)) {
      error(call, 400, "invalid_tenant", 90002, "Tenant '" + tenant + "' not found. Check to make sure you have the "
          + "correct tenant ID and are signing into the correct cloud.");
      return;
    }
    String base = emulator.baseUrl() + "/" + tenant;
    if (call.path().endsWith("/keys")) {
      call.json(200, AzureEmulator.jwks(emulator.entraKey()));
      return;
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("token_endpoint", base + "/oauth2/v2.0/token");
    doc.put("token_endpoint_auth_methods_supported", List.of("client_secret_post", "private_key_jwt", "client_secret_basic"));
    doc.put("jwks_uri", base + "/discovery/v2.0/keys");
    doc.put("response_modes_supported", List.of("query", "fragment", "form_post"));
    doc.put("subject_types_supported", List.of("pairwise"));
    doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
    doc.put("response_types_supported", List.of("code", "id_token", "code id_token", "id_token token"));
    doc.put("scopes_supported", List.of("openid", "profile", "email", "offline_access"));
    doc.put("issuer", emulator.baseUrl() + "/" + tenant + "/v2.0");
    doc.put("authorization_endpoint", base + "/oauth2/v2.0/authorize");
    doc.put("device_authorization_endpoint", base + "/oauth2/v2.0/devicecode");
    doc.put("end_session_endpoint", base + "/oauth2/v2.0/logout");
    doc.put("tenant_region_scope", "WW");
    call.json(200, doc);
  }

  private void missing(HttpCall call, String parameter) throws IOException {
    error(call, 400, "invalid_request", 900144,
        "The request body must contain the following parameter: '" + parameter + "'.");
  }

  /** An error in Entra's JSON shape; {@code client-request-id} is echoed as the correlation id, as Entra does. */
  void error(HttpCall call, int status, String error, int code, String message) throws IOException {
    String trace = Directory.newId();
    String correlation = call.header("client-request-id");
    if (correlation == null || correlation.isBlank()) {
      correlation = Directory.newId();
    }
    String timestamp = TIMESTAMP.format(emulator.now());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("error_description", "AADSTS" + code + ": " + message + "\r\nTrace ID: " + trace
        + "\r\nCorrelation ID: " + correlation + "\r\nTimestamp: " + timestamp);
    body.put("error_codes", List.of(code));
    body.put("timestamp", timestamp);
    body.put("trace_id", trace);
    body.put("correlation_id", correlation);
    body.put("error_uri", emulator.baseUrl() + "/error?code=" + code);
    call.json(status, body);
  }
}
