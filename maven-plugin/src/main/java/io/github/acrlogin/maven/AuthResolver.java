package io.github.acrlogin.maven;

import io.github.acrlogin.auth.Audience;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.ClientCertificate;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Maps the plugin configuration (registry, cloud, {@code <auth>}, settings.xml servers, environment) onto a
 * {@link Registry} and a {@link CredentialSource}. Pure logic without Maven types, so every rule is unit-tested; each
 * failure is a {@link ConfigurationProblem} naming the element and property at fault.
 */
final class AuthResolver {

  /** Looks up a decrypted {@code settings.xml} server; null when there is none with that id. */
  interface ServerLookup {
    ServerEntry find(String id) throws ConfigurationProblem;
  }

  /** The accepted {@code <auth><method>} values. */
  enum Method {
    DEFAULT("default"),
    SERVICE_PRINCIPAL("service-principal"),
    MANAGED_IDENTITY("managed-identity"),
    WORKLOAD_IDENTITY("workload-identity"),
    ENVIRONMENT("environment"),
    AZURE_CLI("azure-cli"),
    ADMIN_USER("admin-user"),
    REPOSITORY_TOKEN("repository-token");

    final String value;

    Method(String value) {
      this.value = value;
    }

    static Optional<Method> parse(String s) {
      if (s == null || s.isBlank()) {
        return Optional.of(DEFAULT);
      }
      String v = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
      for (Method m : values()) {
        if (m.value.equals(v)) {
          return Optional.of(m);
        }
      }
      return Optional.empty();
    }

    static String accepted() {
      List<String> names = new ArrayList<>();
      for (Method m : values()) {
        names.add(m.value);
      }
      return String.join(", ", names);
    }
  }

  private final Map<String, String> environment;
  private final ServerLookup servers;

  AuthResolver(Map<String, String> environment, ServerLookup servers) {
    this.environment = environment;
    this.servers = servers;
  }

  // ------------------------------------------------------------------ registry and cloud

  /**
   * The registry from {@code <registry>} in the cloud from {@code <cloud>}, {@code <authorityHost>} and
   * {@code <audience>} (when it is a URL).
   */
  static Registry registry(String registry, String cloud, String authorityHost, String audience)
      throws ConfigurationProblem {
    if (registry == null || registry.isBlank()) {
      throw new ConfigurationProblem("No registry configured: set <registry> (or -Dacr.registry) to the registry"
          + " name or login server, e.g. <registry>myregistry.azurecr.io</registry>");
    }
    AzureCloud base;
    try {
      base = cloud == null || cloud.isBlank() ? AzureCloud.PUBLIC : AzureCloud.named(cloud);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationProblem("<cloud> (acr.cloud): " + e.getMessage());
    }
    AudienceSetting parsed = parseAudience(audience);
    boolean customAudience = parsed.customAcrAudience() != null;
    AzureCloud effective = base;
    if ((authorityHost != null && !authorityHost.isBlank()) || customAudience) {
      AzureCloud.Builder b = AzureCloud.builder(base).name(base.name());
      if (authorityHost != null && !authorityHost.isBlank()) {
        b.authorityHost(authorityHost.trim());
      }
      if (customAudience) {
        b.acrAudience(parsed.customAcrAudience());
      }
      try {
        effective = b.build();
      } catch (IllegalArgumentException e) {
        throw new ConfigurationProblem("<authorityHost> (acr.authorityHost) or <audience> (acr.audience): "
            + e.getMessage());
      }
    }
    try {
      return Registry.parse(registry, effective);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationProblem("<registry> (acr.registry): " + e.getMessage());
    }
  }

  /** ACR unless {@code <audience>} says {@code arm}; a URL is a custom cloud's ACR audience. */
  static Audience audience(String audience) throws ConfigurationProblem {
    return parseAudience(audience).audience();
  }

  /** {@code <audience>}, parsed: which audience, and the custom cloud's ACR audience when it is a URL (else null). */
  record AudienceSetting(Audience audience, String customAcrAudience) {}

  /** The one parser of {@code <audience>}, for both the registry's cloud and the credential source. */
  static AudienceSetting parseAudience(String audience) throws ConfigurationProblem {
    if (audience == null || audience.isBlank()) {
      return new AudienceSetting(Audience.ACR, null);
    }
    String a = audience.trim().toLowerCase(Locale.ROOT);
    if (a.equals("acr")) {
      return new AudienceSetting(Audience.ACR, null);
    }
    if (a.startsWith("https://")) {
      return new AudienceSetting(Audience.ACR, audience.trim());
    }
    if (a.equals("arm")) {
      return new AudienceSetting(Audience.ARM, null);
    }
    throw new ConfigurationProblem("<audience> (acr.audience) '" + audience.trim() + "' is not valid: use acr (the"
        + " default, accepted by every registry), arm (only for registries with authentication-as-arm enabled), or"
        + " the https URL of a custom cloud's ACR audience");
  }

  // ------------------------------------------------------------------ credential source

  /** The credential source described by {@code auth} for {@code registry}. */
  CredentialSource credentialSource(AuthConfig auth, Registry registry, Audience audience)
      throws ConfigurationProblem {
    if (!auth.secretElementsWritten().isEmpty()) {
      throw secretInPom("<auth><" + auth.secretElementsWritten().get(0) + ">", registry);
    }
    Method method = Method.parse(auth.method()).orElseThrow(() -> new ConfigurationProblem(
        "<auth><method> (acr.auth.method) '" + auth.method() + "' is not a known authentication method: use one of "
            + Method.accepted()));
    checkApplicable(auth, method);
    CredentialSource source = build(auth, method, registry);
    if (audience == Audience.ARM) {
      if (source.kind().isBasic()) {
        throw new ConfigurationProblem("<audience>arm</audience> (acr.audience) applies only to Microsoft Entra"
            + " identities, not to the " + method.value + " method; remove it");
      }
      source = source.withAudience(Audience.ARM);
    }
    return source;
  }

  static ConfigurationProblem secretInPom(String element, Registry registry) {
    String id = registry == null ? "<login server>" : registry.loginServer();
    return new ConfigurationProblem(element + " is a secret written in the POM, which is refused: POMs are committed,"
        + " deployed to repositories and printed by mvn -X. Remove it (and rotate it, since it may have leaked), then"
        + " put it in ~/.m2/settings.xml as <server><id>" + id + "</id><username>client id or user name</username>"
        + "<password>secret</password></server> (encrypt it with mvn --encrypt-password), or use the Azure Identity"
        + " environment variables (AZURE_CLIENT_SECRET)");
  }

  private CredentialSource build(AuthConfig auth, Method method, Registry registry) throws ConfigurationProblem {
    try {
      switch (method) {
        case DEFAULT:
          return CredentialSource.defaultChain();
        case ENVIRONMENT:
          return CredentialSource.environment();
        case AZURE_CLI:
          return CredentialSource.azureCli();
        case SERVICE_PRINCIPAL:
          return servicePrincipal(auth, registry);
        case MANAGED_IDENTITY:
          return managedIdentity(auth);
        case WORKLOAD_IDENTITY:
          return workloadIdentity(auth);
        case ADMIN_USER:
        case REPOSITORY_TOKEN:
          return basic(auth, method, registry);
        default:
          throw new IllegalStateException(method.value);
      }
    } catch (IllegalArgumentException e) {
      // CredentialSource validates ids (GUIDs, tenant, names) and says what is wrong with each.
      throw new ConfigurationProblem("<auth> for " + method.value + ": " + e.getMessage());
    }
  }

  private CredentialSource servicePrincipal(AuthConfig auth, Registry registry) throws ConfigurationProblem {
    ServerEntry server = server(auth, registry);
    String tenant = firstNonBlank(auth.tenantId(), env("AZURE_TENANT_ID"));
    if (tenant == null) {
      throw new ConfigurationProblem("service-principal needs a tenant: set <auth><tenantId> (or -Dacr.auth.tenantId)"
          + " or AZURE_TENANT_ID");
    }
    String serverUser = server == null ? null : server.username().orElse(null);
    if (auth.clientId() != null && serverUser != null && !auth.clientId().trim().equalsIgnoreCase(serverUser)) {
      throw new ConfigurationProblem("<auth><clientId> (acr.auth.clientId) '" + auth.clientId().trim() + "' and the"
          + " <username> '" + serverUser + "' of settings.xml server '" + serverId(auth, registry) + "' name different"
          + " service principals, so it is unclear whose secret that server holds: remove one, or make them equal");
    }
    String client = firstNonBlank(auth.clientId(), serverUser);
    boolean clientFromEnvironment = client == null && env("AZURE_CLIENT_ID") != null;
    if (clientFromEnvironment) {
      client = env("AZURE_CLIENT_ID");
    }
    if (client == null) {
      throw new ConfigurationProblem("service-principal needs a client id: set <auth><clientId> (or"
          + " -Dacr.auth.clientId), the <username> of settings.xml server '" + serverId(auth, registry)
          + "', or AZURE_CLIENT_ID");
    }
    String certificate = firstNonBlank(auth.certificatePath(),
        server == null ? null : server.privateKey().orElse(null));
    if (certificate != null) {
      Path path = Paths.get(certificate);
      if (!Files.isReadable(path)) {
        throw new ConfigurationProblem("<auth><certificatePath> (acr.auth.certificatePath) '" + certificate
            + "' is not a readable file: give the PEM or PFX file of the service principal's certificate");
      }
      String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
      Secret passphrase = server == null ? null : server.passphrase().orElse(null);
      boolean pfx = name.endsWith(".pfx") || name.endsWith(".p12");
      if (!pfx && passphrase != null) {
        throw new ConfigurationProblem("settings.xml server '" + serverId(auth, registry) + "' has a <passphrase>, but"
            + " the certificate '" + certificate + "' is a PEM file, which is read without one (encrypted PEM keys are"
            + " not supported): remove the <passphrase>, use an unencrypted PEM, or use a .pfx/.p12 file");
      }
      ClientCertificate cert = pfx ? ClientCertificate.pfx(path, passphrase) : ClientCertificate.pem(path);
      if (auth.sendCertificateChain()) {
        cert = cert.withChain();
      }
      return CredentialSource.servicePrincipal(tenant, client, cert);
    }
    if (server != null && server.password().isPresent()) {
      return CredentialSource.servicePrincipal(tenant, client, server.password().get());
    }
    // AZURE_CLIENT_SECRET belongs to AZURE_CLIENT_ID: never pair it with a client id from the POM or settings.xml.
    String envSecret = clientFromEnvironment ? env("AZURE_CLIENT_SECRET") : null;
    if (envSecret != null) {
      return CredentialSource.servicePrincipal(tenant, client, Secret.of(envSecret));
    }
    throw new ConfigurationProblem("service-principal needs a client secret or certificate: add"
        + " <server><id>" + serverId(auth, registry) + "</id><username>" + client + "</username><password>secret"
        + "</password></server> to settings.xml (encrypt it with mvn --encrypt-password), set <auth><certificatePath>,"
        + " or leave the client id unset and use AZURE_CLIENT_ID with AZURE_CLIENT_SECRET");
  }

  private CredentialSource managedIdentity(AuthConfig auth) throws ConfigurationProblem {
    Map<String, String> ids = new LinkedHashMap<>();
    put(ids, "managedIdentityClientId", auth.managedIdentityClientId());
    put(ids, "managedIdentityObjectId", auth.managedIdentityObjectId());
    put(ids, "managedIdentityResourceId", auth.managedIdentityResourceId());
    if (ids.size() > 1) {
      List<String> names = new ArrayList<>();
      ids.keySet().forEach(k -> names.add("<auth><" + k + ">"));
      throw new ConfigurationProblem("managed-identity takes at most one of " + String.join(", ", names)
          + ": choose the user-assigned identity by client id, object id or resource id, not several");
    }
    if (auth.managedIdentityClientId() != null) {
      return CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.CLIENT_ID,
          auth.managedIdentityClientId());
    }
    if (auth.managedIdentityObjectId() != null) {
      return CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.OBJECT_ID,
          auth.managedIdentityObjectId());
    }
    if (auth.managedIdentityResourceId() != null) {
      return CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.RESOURCE_ID,
          auth.managedIdentityResourceId());
    }
    return CredentialSource.managedIdentity();
  }

  private CredentialSource workloadIdentity(AuthConfig auth) throws ConfigurationProblem {
    if (auth.tenantId() == null && auth.clientId() == null && auth.federatedTokenFile() == null) {
      return CredentialSource.workloadIdentityFromEnvironment();
    }
    String tenant = firstNonBlank(auth.tenantId(), env("AZURE_TENANT_ID"));
    String client = firstNonBlank(auth.clientId(), env("AZURE_CLIENT_ID"));
    String file = firstNonBlank(auth.federatedTokenFile(), env("AZURE_FEDERATED_TOKEN_FILE"));
    List<String> missing = new ArrayList<>();
    if (tenant == null) {
      missing.add("<auth><tenantId> (or AZURE_TENANT_ID)");
    }
    if (client == null) {
      missing.add("<auth><clientId> (or AZURE_CLIENT_ID)");
    }
    if (file == null) {
      missing.add("<auth><federatedTokenFile> (or AZURE_FEDERATED_TOKEN_FILE)");
    }
    if (!missing.isEmpty()) {
      throw new ConfigurationProblem("workload-identity is missing " + String.join(", ", missing));
    }
    Path path = Paths.get(file);
    if (!Files.isReadable(path)) {
      throw new ConfigurationProblem("<auth><federatedTokenFile> (acr.auth.federatedTokenFile or"
          + " AZURE_FEDERATED_TOKEN_FILE) '" + file + "' is not a readable file: point it at the projected service"
          + " account token (AKS) or the file your CI writes its OIDC token to");
    }
    return CredentialSource.workloadIdentity(tenant, client, path);
  }

  private CredentialSource basic(AuthConfig auth, Method method, Registry registry) throws ConfigurationProblem {
    ServerEntry server = server(auth, registry);
    String user = firstNonBlank(auth.username(), server == null ? null : server.username().orElse(null));
    if (user == null && method == Method.ADMIN_USER) {
      user = registry.name(); // the admin user is named like the registry
    }
    if (user == null) {
      throw new ConfigurationProblem("repository-token needs the token name: set <auth><username> (or"
          + " -Dacr.auth.username) or the <username> of settings.xml server '" + serverId(auth, registry) + "'");
    }
    if (server == null || server.password().isEmpty()) {
      throw new ConfigurationProblem(method.value + " needs a password from settings.xml: add <server><id>"
          + serverId(auth, registry) + "</id><username>" + user + "</username><password>...</password></server>"
          + " (encrypt it with mvn --encrypt-password)" + (auth.serverId() == null ? ", or point <auth><serverId> at"
          + " another server entry" : ""));
    }
    return method == Method.ADMIN_USER
        ? CredentialSource.adminUser(user, server.password().get())
        : CredentialSource.repositoryToken(user, server.password().get());
  }

  /** The configured server; an explicit {@code <serverId>} must exist, the default (login server) may not. */
  private ServerEntry server(AuthConfig auth, Registry registry) throws ConfigurationProblem {
    String id = serverId(auth, registry);
    ServerEntry entry = servers.find(id);
    if (entry == null && auth.serverId() != null) {
      throw new ConfigurationProblem("<auth><serverId> (acr.auth.serverId) '" + id + "' names no <server> in"
          + " settings.xml: add <server><id>" + id + "</id>...</server> or fix the id");
    }
    return entry;
  }

  private static String serverId(AuthConfig auth, Registry registry) {
    return auth.serverId() != null ? auth.serverId() : registry.loginServer();
  }

  /** Elements that the chosen method ignores are mistakes: say so instead of silently ignoring them. */
  private static void checkApplicable(AuthConfig auth, Method method) throws ConfigurationProblem {
    Map<String, Boolean> set = new LinkedHashMap<>();
    set.put("tenantId", auth.tenantId() != null);
    set.put("clientId", auth.clientId() != null);
    set.put("serverId", auth.serverId() != null);
    set.put("username", auth.username() != null);
    set.put("certificatePath", auth.certificatePath() != null);
    set.put("sendCertificateChain", auth.sendCertificateChainSetting() != null);
    set.put("managedIdentityClientId", auth.managedIdentityClientId() != null);
    set.put("managedIdentityObjectId", auth.managedIdentityObjectId() != null);
    set.put("managedIdentityResourceId", auth.managedIdentityResourceId() != null);
    set.put("federatedTokenFile", auth.federatedTokenFile() != null);
    List<String> allowed;
    switch (method) {
      case SERVICE_PRINCIPAL:
        allowed = List.of("tenantId", "clientId", "serverId", "certificatePath", "sendCertificateChain");
        break;
      case MANAGED_IDENTITY:
        allowed = List.of("managedIdentityClientId", "managedIdentityObjectId", "managedIdentityResourceId");
        break;
      case WORKLOAD_IDENTITY:
        allowed = List.of("tenantId", "clientId", "federatedTokenFile");
        break;
      case ADMIN_USER:
      case REPOSITORY_TOKEN:
        allowed = List.of("serverId", "username");
        break;
      default:
        allowed = List.of();
    }
    for (Map.Entry<String, Boolean> e : set.entrySet()) {
      if (e.getValue() && !allowed.contains(e.getKey())) {
        throw new ConfigurationProblem("<auth><" + e.getKey() + "> (acr.auth." + e.getKey() + ") does not apply to"
            + " <method>" + method.value + "</method>" + (allowed.isEmpty() ? ", which takes no other settings"
            : ", which takes " + String.join(", ", allowed)) + ": remove it or choose another method");
      }
    }
  }

  private String env(String name) {
    String v = environment.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static void put(Map<String, String> m, String k, String v) {
    if (v != null) {
      m.put(k, v);
    }
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.trim();
      }
    }
    return null;
  }
}
