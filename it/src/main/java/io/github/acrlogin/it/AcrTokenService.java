package io.github.acrlogin.it;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * ACR's token service: {@code POST /oauth2/exchange} (Entra token to ACR refresh token) and
 * {@code /oauth2/token} (refresh token or Basic credentials to a registry access token for exact
 * scopes). Each registry is told apart by the {@code service} parameter (its login server).
 */
final class AcrTokenService {
  /** The user name that says "the password is an ACR refresh token". */
  static final String NULL_GUID = "00000000-0000-0000-0000-000000000000";
  private static final String BASIC_CHALLENGE = "Basic realm=\"Azure Container Registry\"";

  private final AzureEmulator emulator;

  AcrTokenService(AzureEmulator emulator) {
    this.emulator = emulator;
  }

  void exchange(HttpCall call) throws IOException {
    String token = call.form("access_token");
    Optional<Jwt> jwt = Jwt.parse(token);
    if (!"access_token".equals(call.form("grant_type"))) {
      // unconfirmed: ACR's exact answer to other grant types.
      error(call, 400, "UNSUPPORTED", "grant_type must be access_token");
      return;
    }
    Optional<RegistryState> registry = registry(call);
    if (registry.isEmpty()) {
      return;
    }
    if (jwt.isEmpty() || !jwt.get().verifiedBy(emulator.entraKey().publicKey())) {
      error(call, 401, "UNAUTHORIZED", "invalid aad access token");
      return;
    }
    Jwt aad = jwt.get();
    if (aad.expiredAt(emulator.now(), Duration.ZERO)) {
      error(call, 401, "UNAUTHORIZED", "aad access token is expired");
      return;
    }
    boolean arm = EntraEndpoint.ARM_AUDIENCES.stream().anyMatch(aad::hasAudience);
    if (arm && !registry.get().armPolicy) {
      error(call, 401, "UNAUTHORIZED", "arm aad token disallowed");
      return;
    }
    if (!arm && !aad.hasAudience(EntraEndpoint.ACR_AUDIENCE)) {
      // unconfirmed: ACR's exact message for a token of another audience.
      error(call, 401, "UNAUTHORIZED", "invalid aad token audience");
      return;
    }
    String tenant = call.form("tenant");
    if (tenant != null && !tenant.equalsIgnoreCase(aad.string("tid"))) {
      // unconfirmed: whether ACR checks the tenant parameter against the token's tid.
      error(call, 401, "UNAUTHORIZED", "tenant does not match the aad access token");
      return;
    }
    Instant now = emulator.now();
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("jti", Directory.newId());
    claims.put("sub", aad.string("oid"));
    claims.put("nbf", now.getEpochSecond());
    claims.put("exp", now.plus(emulator.faults().refreshLifetime()).getEpochSecond());
    claims.put("iat", now.getEpochSecond());
    claims.put("iss", AzureEmulator.ACR_ISSUER);
    claims.put("aud", registry.get().loginServer);
    claims.put("version", "1.0");
    claims.put("grant_type", "refresh_token");
    claims.put("appid", aad.string("appid"));
    claims.put("tenant", aad.string("tid"));
    claims.put("permissions", Map.of("actions", List.of("read"), "notActions", List.of()));
    claims.put("roles", List.of());
    // Signed with a key the registry does NOT trust: a refresh token is not a registry bearer token.
    String refresh = Jwt.sign(Map.of(), claims, emulator.acrRefreshKey().privateKey());
    call.json(200, Map.of("refresh_token", refresh));
  }

  void token(HttpCall call) throws IOException {
    if ("POST".equals(call.method())) {
      String grant = call.form("grant_type");
      if (!"refresh_token".equals(grant)) {
        // unconfirmed: ACR's exact answer to other grant types on the POST form.
        error(call, 400, "UNSUPPORTED", "grant_type must be refresh_token");
        return;
      }
      Optional<RegistryState> registry = registry(call);
      if (registry.isEmpty()) {
        return;
      }
      Optional<Jwt> refresh = refreshToken(call, registry.get(), call.form("refresh_token"), false);
      if (refresh.isPresent()) {
        issueForIdentity(call, registry.get(), refresh.get(), scopes(call.formAll("scope")));
      }
    } else if ("GET".equals(call.method())) {
      basic(call);
    } else {
      call.send(405, "text/plain", new byte[0]);
    }
  }

  private void basic(HttpCall call) throws IOException {
    Optional<RegistryState> registry = registry(call);
    if (registry.isEmpty()) {
      return;
    }
    RegistryState r = registry.get();
    Optional<String[]> credentials = call.basic();
    if (credentials.isEmpty()) {
      unauthorizedBasic(call);
      return;
    }
    String user = credentials.get()[0];
    String password = credentials.get()[1];
    List<Access> wanted = scopes(call.queryAll("scope"));
    if (NULL_GUID.equals(user)) {
      // What docker/helm/podman login with an ACR refresh token send (seed 002).
      Optional<Jwt> refresh = refreshToken(call, r, password, true);
      if (refresh.isPresent()) {
        issueForIdentity(call, r, refresh.get(), wanted);
      }
      return;
    }
    if (user.equalsIgnoreCase(r.name)) {
      if (r.adminUser && (Directory.same(password, r.adminPassword1) || Directory.same(password, r.adminPassword2))) {
        issue(call, r, user, null, wanted);
      } else {
        unauthorizedBasic(call);
      }
      return;
    }
    Optional<RepositoryToken> token = r.token(user);
    if (token.isPresent() && (Directory.same(password, token.get().password1())
        || Directory.same(password, token.get().password2()))) {
      Map<String, Set<RepositoryPermission>> map = token.get().scopeMap();
      List<Access> allowed = new ArrayList<>();
      for (Access a : wanted) {
        Set<RepositoryPermission> perms = "repository".equals(a.type) ? map.getOrDefault(a.name, Set.of()) : Set.of();
        allowed.add(a.filter((type, action) -> perms.stream().anyMatch(p -> p.registryAction().equals(action))));
      }
      issue(call, r, user, null, allowed);
      return;
    }
    unauthorizedBasic(call);
  }

  private void issueForIdentity(HttpCall call, RegistryState r, Jwt refresh, List<Access> wanted) throws IOException {
    Set<Role> roles = r.roles(refresh.string("sub"));
    if (roles.isEmpty()) {
      // The spec's mapping (ACR-PROTOCOL.md section 7): an identity without any role on the registry.
      error(call, 403, "DENIED", "retrieving permissions failed");
      return;
    }
    List<Access> allowed = new ArrayList<>();
    for (Access a : wanted) {
      allowed.add(a.filter((type, action) -> roles.stream().anyMatch(role -> role.allows(type, a.name, action))));
    }
    issue(call, r, refresh.string("sub"), refresh.string("tenant"), allowed);
  }

  private void issue(HttpCall call, RegistryState r, String subject, String tenant, List<Access> access)
      throws IOException {
    Instant now = emulator.now();
    FaultControls.PushLimit limit = emulator.faults().pushLimit();
    List<String> pushes = access.stream().filter(a -> a.actions.contains("push")).map(Access::name).toList();
    if (limit != null && !pushes.isEmpty() && !limit.admit(r.loginServer, subject, pushes, now)) {
      call.header("Retry-After", Long.toString(limit.window().toSeconds()));
      error(call, 429, "TOOMANYREQUESTS", "too many concurrent pushes to this registry; retry later");
      return;
    }
    List<Map<String, Object>> claim = new ArrayList<>();
    for (Access a : access) {
      if (!a.actions.isEmpty()) {
        claim.add(Map.of("type", a.type, "name", a.name, "actions", List.copyOf(a.actions)));
      }
    }
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("jti", Directory.newId());
    claims.put("sub", subject);
    claims.put("nbf", now.getEpochSecond());
    claims.put("exp", now.plus(emulator.faults().accessLifetime()).getEpochSecond());
    claims.put("iat", now.getEpochSecond());
    claims.put("iss", AzureEmulator.ACR_ISSUER);
    claims.put("aud", r.loginServer);
    claims.put("version", "1.0");
    claims.put("grant_type", tenant == null ? "password" : "refresh_token");
    if (tenant != null) {
      claims.put("tenant", tenant);
    }
    claims.put("access", claim);
    claims.put("roles", List.of());
    // x5c: the registry checks this certificate against its rootcertbundle, then the signature.
    String token = Jwt.sign(Map.of("x5c", List.of(emulator.acrAccessKey().x5c())), claims,
        emulator.acrAccessKey().privateKey());
    call.json(200, Map.of("access_token", token));
  }

  private Optional<Jwt> refreshToken(HttpCall call, RegistryState r, String token, boolean basic) throws IOException {
    Optional<Jwt> jwt = Jwt.parse(token);
    if (jwt.isEmpty() || !jwt.get().verifiedBy(emulator.acrRefreshKey().publicKey())
        || !jwt.get().hasAudience(r.loginServer) || jwt.get().expiredAt(emulator.now(), Duration.ZERO)) {
      if (basic) {
        unauthorizedBasic(call);
      } else {
        error(call, 401, "UNAUTHORIZED", "invalid or expired refresh token");
      }
      return Optional.empty();
    }
    return jwt;
  }

  private Optional<RegistryState> registry(HttpCall call) throws IOException {
    String service = "POST".equals(call.method()) ? call.form("service") : call.query("service");
    Optional<RegistryState> r = emulator.directory().registry(service);
    if (r.isEmpty()) {
      // unconfirmed: each real registry has its own token service, so this cannot happen there as such.
      error(call, 400, "INVALID_REQUEST", "unknown service '" + service + "'");
    }
    return r;
  }

  private void unauthorizedBasic(HttpCall call) throws IOException {
    call.header("WWW-Authenticate", BASIC_CHALLENGE);
    error(call, 401, "UNAUTHORIZED", "authentication required, visit https://aka.ms/acr/authorization for more information.");
  }

  /** ACR's error shape: {@code {"errors":[{"code","message"}]}}. */
  static void error(HttpCall call, int status, String code, String message) throws IOException {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("message", message);
    call.json(status, Map.of("errors", List.of(error)));
  }

  /** Parses scopes ({@code type:name:actions}), which may repeat and may be space-separated in one value. */
  static List<Access> scopes(List<String> values) {
    Map<String, Access> byResource = new LinkedHashMap<>();
    for (String value : values) {
      for (String scope : value.trim().split("\\s+")) {
        int first = scope.indexOf(':');
        int last = scope.lastIndexOf(':');
        if (first <= 0 || last <= first) {
          continue;
        }
        String type = scope.substring(0, first).replaceAll("\\(.*\\)$", "");
        String name = scope.substring(first + 1, last);
        Access a = byResource.computeIfAbsent(type + ":" + name, k -> new Access(type, name, new LinkedHashSet<>()));
        for (String action : scope.substring(last + 1).split(",")) {
          if (!action.isBlank()) {
            a.actions.add(action.trim());
          }
        }
      }
    }
    return new ArrayList<>(byResource.values());
  }

  /** One requested or granted resource. */
  record Access(String type, String name, Set<String> actions) {
    Access filter(BiPredicate<String, String> allowed) {
      Set<String> kept = new LinkedHashSet<>();
      for (String action : actions) {
        if (allowed.test(type, action)) {
          kept.add(action);
        }
      }
      return new Access(type, name, kept);
    }
  }
}
