package io.github.acrlogin.maven;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The {@code <auth>} block: how the build logs in to the registry. Every field has a matching user property
 * ({@code acr.auth.<field>}) that applies when the element is absent, as for Maven's own parameters.
 *
 * <p>This object holds <em>no secret</em>: client secrets and passwords come from a {@code settings.xml}
 * {@code <server>} entry (decrypted by Maven) or from the Azure Identity environment variables. Setters named like a
 * secret ({@code clientSecret}, {@code password}, ...) exist only so that Maven accepts the element and the goal can
 * refuse it with an explanation; they record <em>that</em> the element was written, never its value. So neither
 * {@link #toString()} (which Maven prints with {@code -X}) nor any field can show a secret.
 *
 * <pre>{@code
 * <auth>
 *   <method>service-principal</method>
 *   <tenantId>72f988bf-86f1-41af-91ab-2d7cd011db47</tenantId>
 *   <clientId>1b2c3d4e-...</clientId>           <!-- or the <username> of the <server> entry -->
 *   <serverId>my-acr</serverId>                <!-- default: the login server -->
 * </auth>
 * }</pre>
 */
public class AuthConfig {

  /** The elements that would hold a secret: refused with an explanation. */
  static final List<String> SECRET_ELEMENTS =
      List.of("clientSecret", "secret", "password", "certificatePassword", "token", "refreshToken", "accessToken");

  private String method;
  private String tenantId;
  private String clientId;
  private String serverId;
  private String username;
  private String certificatePath;
  private Boolean sendCertificateChain;
  private String managedIdentityClientId;
  private String managedIdentityObjectId;
  private String managedIdentityResourceId;
  private String federatedTokenFile;
  private final List<String> secretElementsWritten = new ArrayList<>();

  /** A copy with each unset field taken from the user property {@code acr.auth.<field>}. */
  AuthConfig withDefaults(UnaryOperator<String> properties) {
    AuthConfig c = new AuthConfig();
    c.method = pick(method, properties, "method");
    c.tenantId = pick(tenantId, properties, "tenantId");
    c.clientId = pick(clientId, properties, "clientId");
    c.serverId = pick(serverId, properties, "serverId");
    c.username = pick(username, properties, "username");
    c.certificatePath = pick(certificatePath, properties, "certificatePath");
    String chain = pick(sendCertificateChain == null ? null : sendCertificateChain.toString(), properties,
        "sendCertificateChain");
    c.sendCertificateChain = chain == null ? null : Boolean.valueOf(chain.trim());
    c.managedIdentityClientId = pick(managedIdentityClientId, properties, "managedIdentityClientId");
    c.managedIdentityObjectId = pick(managedIdentityObjectId, properties, "managedIdentityObjectId");
    c.managedIdentityResourceId = pick(managedIdentityResourceId, properties, "managedIdentityResourceId");
    c.federatedTokenFile = pick(federatedTokenFile, properties, "federatedTokenFile");
    c.secretElementsWritten.addAll(secretElementsWritten);
    return c;
  }

  private static String pick(String configured, UnaryOperator<String> properties, String field) {
    if (configured != null && !configured.isBlank()) {
      return configured.trim();
    }
    String p = properties.apply("acr.auth." + field);
    return p == null || p.isBlank() ? null : p.trim();
  }

  /**
   * Authentication method: {@code default}, {@code service-principal}, {@code managed-identity},
   * {@code workload-identity}, {@code environment}, {@code azure-cli}, {@code admin-user},
   * {@code repository-token}. User property {@code acr.auth.method}.
   */
  public void setMethod(String method) {
    this.method = method;
  }

  /** Directory (tenant) id of a service principal or workload identity. User property {@code acr.auth.tenantId}. */
  public void setTenantId(String tenantId) {
    this.tenantId = tenantId;
  }

  /**
   * Application (client) id of a service principal or workload identity; defaults to the {@code <username>} of the
   * {@code settings.xml} server entry. User property {@code acr.auth.clientId}.
   */
  public void setClientId(String clientId) {
    this.clientId = clientId;
  }

  /**
   * Id of the {@code settings.xml} {@code <server>} holding the secret; defaults to the login server. User property
   * {@code acr.auth.serverId}.
   */
  public void setServerId(String serverId) {
    this.serverId = serverId;
  }

  /**
   * Admin user name or repository token name; defaults to the {@code <username>} of the server entry. User property
   * {@code acr.auth.username}.
   */
  public void setUsername(String username) {
    this.username = username;
  }

  /**
   * PEM or PFX file of a service principal's certificate (its password, if any, is the server entry's
   * {@code <passphrase>}); defaults to the server entry's {@code <privateKey>}. User property
   * {@code acr.auth.certificatePath}.
   */
  public void setCertificatePath(String certificatePath) {
    this.certificatePath = certificatePath;
  }

  /** Send the certificate chain (x5c), for subject-name/issuer authentication. {@code acr.auth.sendCertificateChain}. */
  public void setSendCertificateChain(Boolean sendCertificateChain) {
    this.sendCertificateChain = sendCertificateChain;
  }

  /** Client id of a user-assigned managed identity. User property {@code acr.auth.managedIdentityClientId}. */
  public void setManagedIdentityClientId(String id) {
    this.managedIdentityClientId = id;
  }

  /** Object (principal) id of a user-assigned managed identity. {@code acr.auth.managedIdentityObjectId}. */
  public void setManagedIdentityObjectId(String id) {
    this.managedIdentityObjectId = id;
  }

  /** Azure resource id of a user-assigned managed identity. {@code acr.auth.managedIdentityResourceId}. */
  public void setManagedIdentityResourceId(String id) {
    this.managedIdentityResourceId = id;
  }

  /**
   * Federated token file of a workload identity; defaults to {@code AZURE_FEDERATED_TOKEN_FILE}. User property
   * {@code acr.auth.federatedTokenFile}.
   */
  public void setFederatedTokenFile(String federatedTokenFile) {
    this.federatedTokenFile = federatedTokenFile;
  }

  // ------------------------------------------------------------------ refused secrets: the value is dropped

  /** Refused: put the client secret in settings.xml. The value is never stored. */
  public void setClientSecret(String ignored) {
    secretElementsWritten.add("clientSecret");
  }

  /** Refused: put the secret in settings.xml. The value is never stored. */
  public void setSecret(String ignored) {
    secretElementsWritten.add("secret");
  }

  /** Refused: put the password in settings.xml. The value is never stored. */
  public void setPassword(String ignored) {
    secretElementsWritten.add("password");
  }

  /** Refused: put the certificate password in settings.xml ({@code <passphrase>}). The value is never stored. */
  public void setCertificatePassword(String ignored) {
    secretElementsWritten.add("certificatePassword");
  }

  /** Refused: tokens do not belong in the POM. The value is never stored. */
  public void setToken(String ignored) {
    secretElementsWritten.add("token");
  }

  /** Refused: tokens do not belong in the POM. The value is never stored. */
  public void setRefreshToken(String ignored) {
    secretElementsWritten.add("refreshToken");
  }

  /** Refused: tokens do not belong in the POM. The value is never stored. */
  public void setAccessToken(String ignored) {
    secretElementsWritten.add("accessToken");
  }

  // ------------------------------------------------------------------ accessors

  String method() {
    return method;
  }

  String tenantId() {
    return tenantId;
  }

  String clientId() {
    return clientId;
  }

  String serverId() {
    return serverId;
  }

  String username() {
    return username;
  }

  String certificatePath() {
    return certificatePath;
  }

  boolean sendCertificateChain() {
    return Boolean.TRUE.equals(sendCertificateChain);
  }

  /** As written (null when absent), to tell "not set" from "false". */
  Boolean sendCertificateChainSetting() {
    return sendCertificateChain;
  }

  String managedIdentityClientId() {
    return managedIdentityClientId;
  }

  String managedIdentityObjectId() {
    return managedIdentityObjectId;
  }

  String managedIdentityResourceId() {
    return managedIdentityResourceId;
  }

  String federatedTokenFile() {
    return federatedTokenFile;
  }

  /** Names of secret elements written in the POM (never their values). */
  List<String> secretElementsWritten() {
    return List.copyOf(secretElementsWritten);
  }

  /** Only identifiers; Maven prints this with {@code -X}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("AuthConfig{method=").append(Objects.toString(method, "default"));
    append(s, "tenantId", tenantId);
    append(s, "clientId", clientId);
    append(s, "serverId", serverId);
    append(s, "username", username);
    append(s, "certificatePath", certificatePath);
    append(s, "sendCertificateChain", sendCertificateChain == null ? null : sendCertificateChain.toString());
    append(s, "managedIdentityClientId", managedIdentityClientId);
    append(s, "managedIdentityObjectId", managedIdentityObjectId);
    append(s, "managedIdentityResourceId", managedIdentityResourceId);
    append(s, "federatedTokenFile", federatedTokenFile);
    return s.append('}').toString();
  }

  private static void append(StringBuilder s, String name, String value) {
    if (value != null) {
      s.append(", ").append(name).append('=').append(value);
    }
  }
}
