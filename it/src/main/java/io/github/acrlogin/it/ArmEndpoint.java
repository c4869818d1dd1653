package io.github.acrlogin.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The registry part of Azure Resource Manager, in ARM's JSON shapes:
 *
 * <ul>
 *   <li>{@code GET /subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries} and
 *       {@code GET /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries}:
 *       {@code {"value":[...],"nextLink":...}}, two registries per page, only those the caller may read (ARM
 *       filters collection reads by RBAC);
 *   <li>{@code GET} and {@code PATCH .../registries/{name}}: the registry resource; a {@code PATCH} of
 *       {@code properties.policies.azureADAuthenticationAsArmPolicy.status} changes the very flag the token
 *       service checks on {@code /oauth2/exchange} (JSON merge patch: what the body leaves out stays).
 * </ul>
 *
 * Every request needs {@code api-version} and an Entra bearer token for the ARM audience, checked like ARM does
 * (signature, expiry, audience). Authorisation is by role at registry scope: Owner and Contributor read and
 * write, Reader reads, AcrPull/AcrPush/AcrDelete neither. Errors are {@code {"error":{"code","message"}}}:
 * 401 {@code InvalidAuthenticationToken*}, 403 {@code AuthorizationFailed}, 404 {@code SubscriptionNotFound},
 * {@code ResourceGroupNotFound}, {@code ResourceNotFound}. Only api-versions whose schema carries the property
 * (previews since 2022-02-01-preview, GA since 2025-04-01) show or accept it, as ARM does.
 */
final class ArmEndpoint {
  static final String TYPE = "Microsoft.ContainerRegistry/registries";
  private static final int PAGE_SIZE = 2;
  private static final String LOCATION = "westeurope";
  private static final Set<String> API_VERSIONS = Set.of("2019-05-01", "2021-09-01", "2022-12-01", "2023-07-01",
      "2025-04-01", "2021-08-01-preview", "2022-02-01-preview", "2023-01-01-preview", "2023-06-01-preview",
      "2023-08-01-preview", "2023-11-01-preview", "2024-11-01-preview", "2025-03-01-preview", "2025-05-01-preview");

  private final AzureEmulator emulator;

  ArmEndpoint(AzureEmulator emulator) {
    this.emulator = emulator;
  }

  static String resourceId(String subscriptionId, RegistryState r) {
    return "/subscriptions/" + subscriptionId + "/resourceGroups/" + r.resourceGroup + "/providers/" + TYPE + "/"
        + r.name;
  }

  /** Whether this api-version's schema has {@code azureADAuthenticationAsArmPolicy}. */
  static boolean carriesArmPolicy(String apiVersion) {
    String date = apiVersion.substring(0, 10);
    return apiVersion.endsWith("-preview") ? date.compareTo("2022-02-01") >= 0 : date.compareTo("2025-04-01") >= 0;
  }

  /** The token of an {@code Authorization: Bearer} header, parsed (not verified). */
  static Optional<Jwt> bearer(HttpCall call) {
    String auth = call.header("Authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return Jwt.parse(auth.substring(7).trim());
  }

  void handle(HttpCall call) throws IOException {
    String version = call.query("api-version");
    if (version == null) {
      error(call, 400, "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.");
      return;
    }
    if (!API_VERSIONS.contains(version)) {
      error(call, 400, "NoRegisteredProviderFound", "No registered resource provider found for location '"
          + LOCATION + "' and API version '" + version + "' for type 'registries'. The supported api-versions are '"
          + String.join(", ", API_VERSIONS.stream().sorted().toList()) + "'.");
      return;
    }
    Optional<Jwt> token = authenticate(call);
    if (token.isEmpty()) {
      return;
    }
    String objectId = token.get().string("oid");
    // "", "subscriptions", sub, ("resourceGroups", rg,) "providers", "Microsoft.ContainerRegistry", "registries" [, name]
    String[] p = call.path().split("/");
    String sub = p.length > 2 ? p[2] : "";
    if (!sub.equalsIgnoreCase(emulator.directory().subscriptionId)) {
      error(call, 404, "SubscriptionNotFound", "The subscription '" + sub + "' could not be found.");
      return;
    }
    boolean scopedToGroup = p.length >= 5 && p[3].equalsIgnoreCase("resourceGroups");
    int provider = scopedToGroup ? 5 : 3;
    if (p.length < provider + 3 || !p[provider].equalsIgnoreCase("providers")
        || !(p[provider + 1] + "/" + p[provider + 2]).equalsIgnoreCase(TYPE) || p.length > provider + 4
        || (!scopedToGroup && p.length > provider + 3)) {
      error(call, 404, "NotFound", "The requested path is not served by this emulator: " + call.path());
      return;
    }
    String group = scopedToGroup ? p[4] : null;
    List<RegistryState> all = new ArrayList<>(emulator.directory().registries());
    all.sort(Comparator.comparing(r -> r.name));
    if (group != null && all.stream().noneMatch(r -> r.resourceGroup.equalsIgnoreCase(group))) {
      error(call, 404, "ResourceGroupNotFound", "Resource group '" + group + "' could not be found.");
      return;
    }
    if (p.length == provider + 3) {
      if (!"GET".equals(call.method())) {
        error(call, 405, "MethodNotAllowed", "The requested resource does not support http method '"
            + call.method() + "'.");
        return;
      }
      list(call, objectId, group, all, version);
      return;
    }
    String name = p[provider + 3];
    Optional<RegistryState> registry = all.stream()
        .filter(r -> r.resourceGroup.equalsIgnoreCase(group) && r.name.equalsIgnoreCase(name)).findFirst();
    boolean write = "PATCH".equals(call.method());
    if (!write && !"GET".equals(call.method())) {
      error(call, 405, "MethodNotAllowed", "The requested resource does not support http method '"
          + call.method() + "'.");
      return;
    }
    String scope = "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/" + TYPE + "/" + name;
    if (registry.isPresent() && !allowed(registry.get(), objectId, write)) {
      forbidden(call, objectId, write, scope);
      return;
    }
    if (registry.isEmpty()) {
      error(call, 404, "ResourceNotFound", "The Resource '" + TYPE + "/" + name + "' under resource group '" + group
          + "' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
      return;
    }
    if (write && !patch(call, registry.get(), version)) {
      return;
    }
    call.json(200, resource(registry.get(), version));
  }

  private void list(HttpCall call, String objectId, String group, List<RegistryState> all, String version)
      throws IOException {
    List<RegistryState> inScope = all.stream()
        .filter(r -> group == null || r.resourceGroup.equalsIgnoreCase(group)).toList();
    List<RegistryState> readable = inScope.stream().filter(r -> allowed(r, objectId, false)).toList();
    boolean anyAccess = all.stream().anyMatch(r -> allowed(r, objectId, false));
    if (!anyAccess) {
      // No role anywhere in the subscription: ARM refuses the collection read itself.
      forbidden(call, objectId, false, "/subscriptions/" + emulator.directory().subscriptionId
          + (group == null ? "" : "/resourceGroups/" + group));
      return;
    }
    int from = 0;
    String skip = call.query("$skipToken");
    if (skip != null && skip.matches("[0-9]{1,6}")) {
      from = Math.min(Integer.parseInt(skip), readable.size());
    }
    int to = Math.min(from + PAGE_SIZE, readable.size());
    List<Object> page = new ArrayList<>();
    for (RegistryState r : readable.subList(from, to)) {
      page.add(resource(r, version));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("value", page);
    if (to < readable.size()) {
      body.put("nextLink", emulator.baseUrl() + call.path() + "?api-version=" + version + "&%24skipToken=" + to);
    }
    call.json(200, body);
  }

  /** Applies a merge patch; false when it answered an error. */
  private boolean patch(HttpCall call, RegistryState r, String version) throws IOException {
    JsonNode body;
    try {
      body = Jwt.JSON.readTree(call.body());
    } catch (IOException e) {
      body = null;
    }
    if (body == null || !body.isObject()) {
      error(call, 400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.");
      return false;
    }
    JsonNode status = field(field(field(field(body, "properties"), "policies"), "azureADAuthenticationAsArmPolicy"),
        "status");
    if (status != null && carriesArmPolicy(version)) {
      String v = status.isTextual() ? status.asText().toLowerCase(Locale.ROOT) : "";
      if (!v.equals("enabled") && !v.equals("disabled")) {
        // unconfirmed: ACR's exact code and message for an invalid policy status.
        error(call, 400, "InvalidParameter", "The value '" + status.asText() + "' of"
            + " properties.policies.azureADAuthenticationAsArmPolicy.status is not valid. Valid values are"
            + " 'enabled', 'disabled'.");
        return false;
      }
      r.armPolicy = v.equals("enabled");
    }
    return true;
  }

  // ARM accepts JSON property names without regard to case.
  private static JsonNode field(JsonNode node, String name) {
    if (node == null || !node.isObject()) {
      return null;
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private Map<String, Object> resource(RegistryState r, String version) {
    Map<String, Object> policies = new LinkedHashMap<>();
    policies.put("quarantinePolicy", Map.of("status", "disabled"));
    policies.put("trustPolicy", Map.of("type", "Notary", "status", "disabled"));
    policies.put("retentionPolicy", Map.of("days", 7, "lastUpdatedTime", "2026-01-05T10:00:00.0000000+00:00",
        "status", "disabled"));
    policies.put("exportPolicy", Map.of("status", "enabled"));
    if (carriesArmPolicy(version)) {
      policies.put("azureADAuthenticationAsArmPolicy", Map.of("status", r.armPolicy ? "enabled" : "disabled"));
    }
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("loginServer", r.loginServer);
    properties.put("creationDate", "2026-01-05T10:00:00.0000000Z");
    properties.put("provisioningState", "Succeeded");
    properties.put("adminUserEnabled", r.adminUser);
    properties.put("policies", policies);
    properties.put("encryption", Map.of("status", "disabled"));
    properties.put("dataEndpointEnabled", false);
    properties.put("dataEndpointHostNames", List.of());
    properties.put("privateEndpointConnections", List.of());
    properties.put("publicNetworkAccess", "Enabled");
    properties.put("networkRuleBypassOptions", "AzureServices");
    properties.put("zoneRedundancy", "Disabled");
    properties.put("anonymousPullEnabled", false);
    Map<String, Object> resource = new LinkedHashMap<>();
    resource.put("sku", Map.of("name", "Standard", "tier", "Standard"));
    resource.put("type", TYPE);
    resource.put("id", resourceId(emulator.directory().subscriptionId, r));
    resource.put("name", r.name);
    resource.put("location", LOCATION);
    resource.put("tags", Map.of());
    resource.put("properties", properties);
    return resource;
  }

  private static boolean allowed(RegistryState r, String objectId, boolean write) {
    return r.roles(objectId).stream().anyMatch(role -> role.allowsArm(write));
  }

  private void forbidden(HttpCall call, String objectId, boolean write, String scope) throws IOException {
    error(call, 403, "AuthorizationFailed", "The client '" + objectId + "' with object id '" + objectId
        + "' does not have authorization to perform action '" + TYPE + "/" + (write ? "write" : "read")
        + "' over scope '" + scope + "' or the scope is invalid. If access was recently granted, please refresh"
        + " your credentials.");
  }

  /** Checks the bearer token as ARM does; answers 401 and returns empty when it is not acceptable. */
  private Optional<Jwt> authenticate(HttpCall call) throws IOException {
    String auth = call.header("Authorization");
    if (auth == null) {
      unauthorized(call, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
      return Optional.empty();
    }
    Optional<Jwt> jwt = bearer(call);
    if (jwt.isEmpty() || !jwt.get().verifiedBy(emulator.entraKey().publicKey())) {
      unauthorized(call, "InvalidAuthenticationToken", "The access token is invalid.");
      return Optional.empty();
    }
    Instant now = emulator.now();
    if (jwt.get().expiredAt(now, Duration.ZERO)) {
      long exp = jwt.get().seconds("exp");
      unauthorized(call, "ExpiredAuthenticationToken", "The access token expiry UTC time '"
          + (exp < 0 ? "?" : Instant.ofEpochSecond(exp)) + "' is earlier than current UTC time '" + now + "'.");
      return Optional.empty();
    }
    if (EntraEndpoint.ARM_AUDIENCES.stream().noneMatch(jwt.get()::hasAudience)) {
      Object aud = jwt.get().claims().get("aud");
      unauthorized(call, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience"
          + " or resource '" + aud + "'. It should exactly match with one of the allowed audiences "
          + "'https://management.core.windows.net/','https://management.core.windows.net',"
          + "'https://management.azure.com/','https://management.azure.com'.");
      return Optional.empty();
    }
    return jwt;
  }

  private static void unauthorized(HttpCall call, String code, String message) throws IOException {
    call.header("WWW-Authenticate", "Bearer authorization_uri=\"https://login.microsoftonline.com/common\","
        + " error=\"invalid_token\", error_description=\"" + message.replace("\"", "'") + "\"");
    error(call, 401, code, message);
  }

  /** ARM's error shape: {@code {"error":{"code","message"}}}. */
  static void error(HttpCall call, int status, String code, String message) throws IOException {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("message", message);
    call.json(status, Map.of("error", error));
  }
}
