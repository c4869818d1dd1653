package io.github.acrlogin.auth;

import com.azure.core.credential.TokenCredential;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Who logs in: an Entra identity (first hop by Azure Identity, then the ACR exchange) or a registry
 * username/password (admin user, repository-scoped token).
 *
 * <p>Immutable. Static factories validate every argument at once and say what is wrong. {@link #toString()}
 * describes the identity without its secret; {@link #cacheKey()} identifies it, including a salted digest
 * of its secret, so two jobs that share a client id but not a secret never share cached tokens.
 */
public final class CredentialSource {

  /** The identity kinds. */
  public enum Kind {
    SERVICE_PRINCIPAL_SECRET("service principal with secret"),
    SERVICE_PRINCIPAL_CERTIFICATE("service principal with certificate"),
    MANAGED_IDENTITY("managed identity"),
    WORKLOAD_IDENTITY("workload identity"),
    AZURE_CLI("Azure CLI login"),
    ENVIRONMENT("environment credential"),
    DEFAULT_CHAIN("default Azure credential chain"),
    ENTRA_CREDENTIAL("caller-supplied Entra credential"),
    ADMIN_USER("admin user"),
    REPOSITORY_TOKEN("repository-scoped token");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** Human-readable name, e.g. "service principal with secret". */
    public String label() {
      return label;
    }

    /** True for the kinds that log in with a username and password instead of an Entra token. */
    public boolean isBasic() {
      return this == ADMIN_USER || this == REPOSITORY_TOKEN;
    }
  }

  /** How a managed identity is chosen. */
  public enum ManagedIdentityId {
    SYSTEM_ASSIGNED,
    CLIENT_ID,
    OBJECT_ID,
    RESOURCE_ID
  }

  private static final Pattern GUID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern TENANT_DOMAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*\\.[A-Za-z]{2,}");
  private static final Pattern RESOURCE_ID =
      Pattern.compile("(?i)/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\\.managedidentity/"
          + "userassignedidentities/[^/]+");
  private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,49}");
  // Per-JVM salt: cache keys are stable within the process and meaningless outside it.
  private static final byte[] SALT = salt(16);

  private final Kind kind;
  private final Audience audience;
  private final String tenantId;
  private final String clientId;
  private final Secret secret;
  private final ClientCertificate certificate;
  private final ManagedIdentityId managedIdentityId;
  private final String managedIdentityValue;
  private final Path federatedTokenFile;
  private final Supplier<String> assertionSupplier;
  private final TokenCredential entraCredential;
  private final String description;
  private final String username;
  private static final java.util.concurrent.atomic.AtomicLong INSTANCES = new java.util.concurrent.atomic.AtomicLong();
  private final long instanceId = INSTANCES.incrementAndGet();
  // Computed once: the source is immutable, and the key is read on every (cached) login.
  private volatile String cacheKey;

  private CredentialSource(Builder b) {
    this.kind = b.kind;
    this.audience = b.audience;
    this.tenantId = b.tenantId;
    this.clientId = b.clientId;
    this.secret = b.secret;
    this.certificate = b.certificate;
    this.managedIdentityId = b.managedIdentityId;
    this.managedIdentityValue = b.managedIdentityValue;
    this.federatedTokenFile = b.federatedTokenFile;
    this.assertionSupplier = b.assertionSupplier;
    this.entraCredential = b.entraCredential;
    this.description = b.description;
    this.username = b.username;
  }

  // ---------------------------------------------------------------- factories

  /** A service principal with a client secret. */
  public static CredentialSource servicePrincipal(String tenantId, String clientId, Secret clientSecret) {
    Builder b = new Builder(Kind.SERVICE_PRINCIPAL_SECRET);
    b.tenantId = tenant(tenantId, b.problems);
    b.clientId = guid("client id", clientId, b.problems);
    b.secret = required("client secret", clientSecret, b.problems);
    return b.build();
  }

  /** A service principal with a certificate (PEM or PFX). */
  public static CredentialSource servicePrincipal(String tenantId, String clientId, ClientCertificate certificate) {
    Builder b = new Builder(Kind.SERVICE_PRINCIPAL_CERTIFICATE);
    b.tenantId = tenant(tenantId, b.problems);
    b.clientId = guid("client id", clientId, b.problems);
    b.certificate = required("certificate", certificate, b.problems);
    return b.build();
  }

  /** The system-assigned managed identity of the machine that makes the call. */
  public static CredentialSource managedIdentity() {
    Builder b = new Builder(Kind.MANAGED_IDENTITY);
    b.managedIdentityId = ManagedIdentityId.SYSTEM_ASSIGNED;
    return b.build();
  }

  /**
   * A user-assigned managed identity.
   *
   * @param by how {@code id} identifies it (client id, object id or Azure resource id)
   */
  public static CredentialSource managedIdentity(ManagedIdentityId by, String id) {
    Builder b = new Builder(Kind.MANAGED_IDENTITY);
    b.managedIdentityId = Objects.requireNonNull(by, "by");
    if (by == ManagedIdentityId.SYSTEM_ASSIGNED) {
      if (id != null && !id.isBlank()) {
        b.problems.add("a system-assigned managed identity takes no id");
      }
    } else if (by == ManagedIdentityId.RESOURCE_ID) {
      if (id == null || !RESOURCE_ID.matcher(id.trim()).matches()) {
        b.problems.add(
            "managed identity resource id must look like /subscriptions/<sub>/resourceGroups/<rg>/providers/"
                + "Microsoft.ManagedIdentity/userAssignedIdentities/<name>");
      } else {
        b.managedIdentityValue = id.trim();
      }
    } else {
      b.managedIdentityValue =
          guid(by == ManagedIdentityId.CLIENT_ID ? "managed identity client id" : "managed identity object id",
              id, b.problems);
    }
    return b.build();
  }

  /** Workload identity federation from a token file (e.g. AKS's {@code AZURE_FEDERATED_TOKEN_FILE}). */
  public static CredentialSource workloadIdentity(String tenantId, String clientId, Path federatedTokenFile) {
    Builder b = new Builder(Kind.WORKLOAD_IDENTITY);
    b.tenantId = tenant(tenantId, b.problems);
    b.clientId = guid("client id", clientId, b.problems);
    b.federatedTokenFile = required("federated token file", federatedTokenFile, b.problems);
    return b.build();
  }

  /**
   * Workload identity federation from a supplier of OIDC assertions (e.g. a CI system's ID token). Called
   * just before each Entra request, because assertions live only minutes.
   */
  public static CredentialSource workloadIdentity(String tenantId, String clientId, Supplier<String> assertions) {
    Builder b = new Builder(Kind.WORKLOAD_IDENTITY);
    b.tenantId = tenant(tenantId, b.problems);
    b.clientId = guid("client id", clientId, b.problems);
    b.assertionSupplier = required("assertion supplier", assertions, b.problems);
    return b.build();
  }

  /**
   * Workload identity configured by the environment: {@code AZURE_TENANT_ID}, {@code AZURE_CLIENT_ID},
   * {@code AZURE_FEDERATED_TOKEN_FILE} (as set by AKS).
   */
  public static CredentialSource workloadIdentityFromEnvironment() {
    return new Builder(Kind.WORKLOAD_IDENTITY).build();
  }

  /** Whatever {@code AZURE_CLIENT_ID} and friends describe (secret, certificate), per Azure Identity. */
  public static CredentialSource environment() {
    return new Builder(Kind.ENVIRONMENT).build();
  }

  /** The developer's {@code az login}. */
  public static CredentialSource azureCli() {
    return new Builder(Kind.AZURE_CLI).build();
  }

  /** Azure Identity's default chain: environment, workload identity, managed identity, developer tools. */
  public static CredentialSource defaultChain() {
    return new Builder(Kind.DEFAULT_CHAIN).build();
  }

  /**
   * A caller-supplied Entra credential.
   *
   * @param description how to name it in messages (no secrets), e.g. "Jenkins credential 'acr-push'"
   */
  public static CredentialSource entraCredential(TokenCredential credential, String description) {
    Builder b = new Builder(Kind.ENTRA_CREDENTIAL);
    b.entraCredential = required("credential", credential, b.problems);
    b.description = description == null || description.isBlank() ? "caller-supplied Entra credential" : description;
    return b.build();
  }

  /** The registry's admin user (a testing account; prefer an Entra identity). */
  public static CredentialSource adminUser(String username, Secret password) {
    Builder b = new Builder(Kind.ADMIN_USER);
    b.username = username(username, "admin user name", b.problems);
    b.secret = required("password", password, b.problems);
    return b.build();
  }

  /** A repository-scoped (non-Entra) token: its name and one of its two passwords. */
  public static CredentialSource repositoryToken(String tokenName, Secret password) {
    Builder b = new Builder(Kind.REPOSITORY_TOKEN);
    b.username = username(tokenName, "token name", b.problems);
    b.secret = required("password", password, b.problems);
    return b.build();
  }

  /**
   * The same identity asking Entra for another audience. {@link Audience#ACR} is the default; ask for
   * {@link Audience#ARM} only for registries that still accept it.
   *
   * @throws IllegalArgumentException for username/password sources, which have no audience
   */
  public CredentialSource withAudience(Audience audience) {
    Objects.requireNonNull(audience, "audience");
    if (kind.isBasic()) {
      throw new IllegalArgumentException("A " + kind.label() + " has no Entra audience");
    }
    Builder b = new Builder(this);
    b.audience = audience;
    return b.build();
  }

  // ---------------------------------------------------------------- accessors

  public Kind kind() {
    return kind;
  }

  /** Entra audience of the first hop (ACR unless asked otherwise). */
  public Audience audience() {
    return audience;
  }

  public Optional<String> tenantId() {
    return Optional.ofNullable(tenantId);
  }

  public Optional<String> clientId() {
    return Optional.ofNullable(clientId);
  }

  /** Client secret or password. */
  public Optional<Secret> secret() {
    return Optional.ofNullable(secret);
  }

  public Optional<ClientCertificate> certificate() {
    return Optional.ofNullable(certificate);
  }

  /** How the managed identity is chosen; empty for other kinds. */
  public Optional<ManagedIdentityId> managedIdentityId() {
    return Optional.ofNullable(managedIdentityId);
  }

  /** The user-assigned managed identity's client id, object id or resource id. */
  public Optional<String> managedIdentityValue() {
    return Optional.ofNullable(managedIdentityValue);
  }

  public Optional<Path> federatedTokenFile() {
    return Optional.ofNullable(federatedTokenFile);
  }

  public Optional<Supplier<String>> assertionSupplier() {
    return Optional.ofNullable(assertionSupplier);
  }

  public Optional<TokenCredential> entraCredential() {
    return Optional.ofNullable(entraCredential);
  }

  /** Admin user name or repository token name. */
  public Optional<String> username() {
    return Optional.ofNullable(username);
  }

  /**
   * An opaque key that identifies this identity (kind, ids, audience and a salted digest of its secret) for
   * caches. Contains no secret.
   */
  public String cacheKey() {
    String key = cacheKey;
    if (key == null) {
      key = computeCacheKey();
      cacheKey = key;
    }
    return key;
  }

  private String computeCacheKey() {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    sha.update(SALT);
    if (secret != null) {
      sha.update(secret.reveal().getBytes(StandardCharsets.UTF_8));
    }
    if (certificate != null) {
      sha.update(certificate.keyMaterial());
    }
    String digest = Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest()).substring(0, 22);
    // Caller-supplied credentials and assertion suppliers are opaque: each source holding one is its own identity
    // (identityHashCode is not unique, and two sources must never share tokens by accident).
    String identity = entraCredential != null || assertionSupplier != null ? "opaque#" + instanceId : "";
    return String.join(
        "|",
        kind.name(),
        audience.name(),
        String.valueOf(tenantId),
        String.valueOf(clientId),
        String.valueOf(username),
        String.valueOf(managedIdentityId),
        String.valueOf(managedIdentityValue),
        String.valueOf(federatedTokenFile),
        identity,
        digest);
  }

  /** E.g. "service principal with secret 1b2c... (tenant 72f9...)". Never a secret. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(description != null ? description : kind.label());
    if (clientId != null) {
      s.append(' ').append(clientId);
    }
    if (username != null) {
      s.append(" '").append(username).append('\'');
    }
    if (managedIdentityId != null && managedIdentityId != ManagedIdentityId.SYSTEM_ASSIGNED) {
      s.append(" (user-assigned, ").append(managedIdentityId.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '))
          .append(' ').append(managedIdentityValue).append(')');
    } else if (managedIdentityId == ManagedIdentityId.SYSTEM_ASSIGNED) {
      s.append(" (system-assigned)");
    }
    if (tenantId != null) {
      s.append(" (tenant ").append(tenantId).append(')');
    }
    if (audience == Audience.ARM) {
      s.append(" [ARM audience]");
    }
    return s.toString();
  }

  // ---------------------------------------------------------------- validation

  /** True for a GUID such as {@code 00000000-1111-2222-3333-444444444444} (client, object, subscription ids). */
  public static boolean isGuid(String value) {
    return value != null && GUID.matcher(value.trim()).matches();
  }

  /** True for a tenant id: a GUID or a domain such as {@code contoso.onmicrosoft.com}. */
  public static boolean isTenantId(String value) {
    return value != null && (isGuid(value) || TENANT_DOMAIN.matcher(value.trim()).matches());
  }

  private static String tenant(String tenantId, List<String> problems) {
    if (tenantId == null || tenantId.isBlank()) {
      problems.add("tenant id is missing (a GUID or a domain such as contoso.onmicrosoft.com)");
      return null;
    }
    String t = tenantId.trim();
    if (!GUID.matcher(t).matches() && !TENANT_DOMAIN.matcher(t).matches()) {
      problems.add("tenant id '" + t + "' is neither a GUID nor a domain such as contoso.onmicrosoft.com");
    }
    return t;
  }

  private static String guid(String what, String value, List<String> problems) {
    if (value == null || value.isBlank()) {
      problems.add(what + " is missing (a GUID such as 00000000-1111-2222-3333-444444444444)");
      return null;
    }
    String v = value.trim();
    if (!GUID.matcher(v).matches()) {
      problems.add(what + " '" + v + "' is not a GUID such as 00000000-1111-2222-3333-444444444444");
    }
    return v.toLowerCase(java.util.Locale.ROOT);
  }

  private static String username(String value, String what, List<String> problems) {
    if (value == null || value.isBlank()) {
      problems.add(what + " is missing");
      return null;
    }
    String v = value.trim();
    if (!USERNAME.matcher(v).matches()) {
      problems.add(what + " '" + v + "' must be letters, digits, '.', '-' or '_'");
    }
    return v;
  }

  private static <T> T required(String what, T value, List<String> problems) {
    if (value == null) {
      problems.add(what + " is missing");
    }
    return value;
  }

  private static final class Builder {
    private final List<String> problems = new ArrayList<>();
    private final Kind kind;
    private Audience audience = Audience.ACR;
    private String tenantId;
    private String clientId;
    private Secret secret;
    private ClientCertificate certificate;
    private ManagedIdentityId managedIdentityId;
    private String managedIdentityValue;
    private Path federatedTokenFile;
    private Supplier<String> assertionSupplier;
    private TokenCredential entraCredential;
    private String description;
    private String username;

    Builder(Kind kind) {
      this.kind = kind;
    }

    Builder(CredentialSource s) {
      this.kind = s.kind;
      this.audience = s.audience;
      this.tenantId = s.tenantId;
      this.clientId = s.clientId;
      this.secret = s.secret;
      this.certificate = s.certificate;
      this.managedIdentityId = s.managedIdentityId;
      this.managedIdentityValue = s.managedIdentityValue;
      this.federatedTokenFile = s.federatedTokenFile;
      this.assertionSupplier = s.assertionSupplier;
      this.entraCredential = s.entraCredential;
      this.description = s.description;
      this.username = s.username;
    }

    CredentialSource build() {
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "Invalid " + kind.label() + ": " + String.join("; ", problems));
      }
      return new CredentialSource(this);
    }
  }

  // nextBytes, not generateSeed: generateSeed may block on an entropy-starved CI agent.
  private static byte[] salt(int length) {
    byte[] salt = new byte[length];
    new SecureRandom().nextBytes(salt);
    return salt;
  }
}
