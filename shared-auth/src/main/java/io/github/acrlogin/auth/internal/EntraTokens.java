package io.github.acrlogin.auth.internal;

import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.http.HttpClient;
import com.azure.core.util.Configuration;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.identity.AadCredentialBuilderBase;
import com.azure.identity.AzureCliCredentialBuilder;
import com.azure.identity.ClientAssertionCredentialBuilder;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.ClientCertificate;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Reason;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Secret;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first hop: an Entra access token for a credential source, obtained by Azure Identity. This class only
 * maps our {@link CredentialSource} onto Azure Identity's builders and its failures onto {@link Reason}s; it
 * implements nothing of Entra itself.
 */
public final class EntraTokens {

  /** An Entra access token and what we need of it for the exchange. */
  public static final class EntraToken {
    private final Secret token;
    private final Instant expiresAt;
    private final String tenantId;

    EntraToken(Secret token, Instant expiresAt, String tenantId) {
      this.token = token;
      this.expiresAt = expiresAt;
      this.tenantId = tenantId;
    }

    public Secret token() {
      return token;
    }

    public Instant expiresAt() {
      return expiresAt;
    }

    /** The token's {@code tid}, else the source's tenant; null when neither is known. */
    public String tenantId() {
      return tenantId;
    }

    @Override
    public String toString() {
      return "EntraToken{tenant " + tenantId + ", expires " + expiresAt + ", token ****}";
    }
  }

  private static final Pattern AADSTS = Pattern.compile("AADSTS(\\d{5,7})");
  private static final int MAX_CREDENTIALS = 256;

  private final HttpClient httpClient;
  private final Map<String, String> environment;
  private final Configuration configuration;
  // Azure Identity (MSAL) caches tokens per credential instance, so keep one instance per identity.
  private final Map<String, TokenCredential> credentials = new ConcurrentHashMap<>();

  public EntraTokens(HttpClient httpClient, Map<String, String> environment) {
    this.httpClient = httpClient;
    this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    // Azure Identity reads AZURE_* settings from its Configuration; give it ours, never the process's.
    this.configuration =
        new ConfigurationBuilder(path -> Map.of(), path -> Map.of(), path -> this.environment).build();
  }

  /**
   * Gets an Entra token for the source's audience in the registry's cloud.
   *
   * @throws AcrAuthException unavailable (try another source) or failed, with the AADSTS reason
   */
  public EntraToken token(CredentialSource source, Registry registry) throws AcrAuthException {
    String scope = registry.cloud().scope(source.audience());
    TokenCredential credential;
    try {
      if (source.entraCredential().isPresent() || source.assertionSupplier().isPresent()) {
        // Opaque sources (often one per build) would only fill the map; they carry their own state.
        credential = create(source, registry.cloud());
      } else {
        credential = credentials.computeIfAbsent(source.cacheKey() + "|" + authorityHost(registry.cloud()),
            k -> create(source, registry.cloud()));
        if (credentials.size() > MAX_CREDENTIALS) {
          credentials.clear();
        }
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw AcrAuthException.because(Reason.CONFIGURATION)
          .operation("Microsoft Entra sign-in")
          .registry(registry.loginServer())
          .source(source.toString())
          .detail(e.getMessage())
          .failed();
    }
    com.azure.core.credential.AccessToken token;
    try {
      token = credential.getTokenSync(new TokenRequestContext().addScopes(scope));
    } catch (RuntimeException e) {
      throw translate(e, source, registry, scope);
    }
    if (token == null || token.getToken() == null) {
      throw AcrAuthException.because(Reason.ENTRA_REJECTED)
          .operation("Microsoft Entra sign-in")
          .registry(registry.loginServer())
          .scope(scope)
          .source(source.toString())
          .detail("no token was returned")
          .failed();
    }
    String tenant = source.tenantId().orElse(null);
    try {
      tenant = Jwt.decode(token.getToken()).tenantId().orElse(tenant);
    } catch (IllegalArgumentException notAJwt) {
      // Opaque tokens are legal for Entra; the exchange then goes without a tenant field.
    }
    return new EntraToken(Secret.of(token.getToken()), token.getExpiresAt().toInstant(), tenant);
  }

  /** Authority for the cloud; AZURE_AUTHORITY_HOST overrides the public cloud's default, as in Azure Identity. */
  private String authorityHost(AzureCloud cloud) {
    String fromEnv = environment.get("AZURE_AUTHORITY_HOST");
    if (cloud.equals(AzureCloud.PUBLIC) && fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.trim();
    }
    return cloud.authorityHost();
  }

  private TokenCredential create(CredentialSource source, AzureCloud cloud) {
    String authority = authorityHost(cloud);
    // Instance discovery asks the public cloud about unknown authorities: never for custom hosts.
    boolean knownAuthority = AzureCloud.knownClouds().stream().anyMatch(c -> c.authorityHost().equals(authority));
    switch (source.kind()) {
      case SERVICE_PRINCIPAL_SECRET:
        return aad(new ClientSecretCredentialBuilder()
                .clientSecret(source.secret().orElseThrow().reveal()), source, authority, knownAuthority)
            .build();
      case SERVICE_PRINCIPAL_CERTIFICATE:
        return certificate(source.certificate().orElseThrow(),
            aad(new ClientCertificateCredentialBuilder(), source, authority, knownAuthority)).build();
      case WORKLOAD_IDENTITY:
        if (source.assertionSupplier().isPresent()) {
          return aad(new ClientAssertionCredentialBuilder().clientAssertion(source.assertionSupplier().get()),
              source, authority, knownAuthority).build();
        }
        return workloadIdentity(source, authority, knownAuthority);
      case MANAGED_IDENTITY:
        return managedIdentity(source);
      case AZURE_CLI:
        return new AzureCliCredentialBuilder().configuration(configuration).httpClient(httpClient).build();
      case ENVIRONMENT:
        return fromEnvironment(authority, knownAuthority);
      case DEFAULT_CHAIN:
        DefaultAzureCredentialBuilder chain = new DefaultAzureCredentialBuilder()
            .configuration(configuration).httpClient(httpClient).authorityHost(authority);
        if (!knownAuthority) {
          chain.disableInstanceDiscovery();
        }
        return chain.build();
      case ENTRA_CREDENTIAL:
        return source.entraCredential().orElseThrow();
      default:
        throw new IllegalArgumentException("A " + source.kind().label() + " does not use Microsoft Entra ID");
    }
  }

  private <T extends AadCredentialBuilderBase<T>> T aad(
      T builder, CredentialSource source, String authority, boolean knownAuthority) {
    builder.tenantId(source.tenantId().orElseThrow()).clientId(source.clientId().orElseThrow());
    return common(builder, authority, knownAuthority);
  }

  private <T extends AadCredentialBuilderBase<T>> T common(T builder, String authority, boolean knownAuthority) {
    // Order matters: configuration() re-reads AZURE_AUTHORITY_HOST and would replace an earlier authorityHost().
    builder.configuration(configuration).httpClient(httpClient).authorityHost(authority);
    if (!knownAuthority) {
      builder.disableInstanceDiscovery();
    }
    return builder;
  }

  private static ClientCertificateCredentialBuilder certificate(
      ClientCertificate cert, ClientCertificateCredentialBuilder builder) {
    String password = cert.password().map(Secret::reveal).orElse(null);
    if (cert.format() == ClientCertificate.Format.PEM) {
      if (cert.path().isPresent()) {
        builder.pemCertificate(cert.path().get().toString());
      } else {
        builder.pemCertificate(new ByteArrayInputStream(cert.content().orElseThrow()));
      }
    } else {
      if (cert.path().isPresent()) {
        builder.pfxCertificate(cert.path().get().toString());
      } else {
        builder.pfxCertificate(new ByteArrayInputStream(cert.content().orElseThrow()));
      }
      if (password != null) {
        builder.clientCertificatePassword(password);
      }
    }
    return builder.sendCertificateChain(cert.sendChain());
  }

  private TokenCredential workloadIdentity(CredentialSource source, String authority, boolean knownAuthority) {
    WorkloadIdentityCredentialBuilder builder = common(new WorkloadIdentityCredentialBuilder(), authority,
        knownAuthority);
    String tenant = source.tenantId().orElse(environment.get("AZURE_TENANT_ID"));
    String client = source.clientId().orElse(environment.get("AZURE_CLIENT_ID"));
    String file = source.federatedTokenFile().map(Object::toString)
        .orElse(environment.get("AZURE_FEDERATED_TOKEN_FILE"));
    StringBuilder missing = new StringBuilder();
    if (blank(tenant)) {
      missing.append(" AZURE_TENANT_ID");
    }
    if (blank(client)) {
      missing.append(" AZURE_CLIENT_ID");
    }
    if (blank(file)) {
      missing.append(" AZURE_FEDERATED_TOKEN_FILE");
    }
    if (missing.length() > 0) {
      throw new IllegalStateException("workload identity needs" + missing + " (set by AKS workload identity)");
    }
    return builder.tenantId(tenant).clientId(client).tokenFilePath(file).build();
  }

  private TokenCredential managedIdentity(CredentialSource source) {
    ManagedIdentityCredentialBuilder builder =
        new ManagedIdentityCredentialBuilder().configuration(configuration).httpClient(httpClient);
    String id = source.managedIdentityValue().orElse(null);
    switch (source.managedIdentityId().orElseThrow()) {
      case CLIENT_ID:
        builder.clientId(id);
        break;
      case OBJECT_ID:
        builder.objectId(id);
        break;
      case RESOURCE_ID:
        builder.resourceId(id);
        break;
      default:
        break;
    }
    return builder.build();
  }

  /**
   * Azure Identity's EnvironmentCredential cannot disable instance discovery, so map the same variables
   * (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH [+ _PASSWORD])
   * onto the specific builders ourselves.
   */
  private TokenCredential fromEnvironment(String authority, boolean knownAuthority) {
    String tenant = environment.get("AZURE_TENANT_ID");
    String client = environment.get("AZURE_CLIENT_ID");
    String secret = environment.get("AZURE_CLIENT_SECRET");
    String certPath = environment.get("AZURE_CLIENT_CERTIFICATE_PATH");
    if (blank(tenant) || blank(client) || (blank(secret) && blank(certPath))) {
      throw new IllegalStateException("the environment credential needs AZURE_TENANT_ID, AZURE_CLIENT_ID and"
          + " AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH");
    }
    if (!blank(secret)) {
      return common(new ClientSecretCredentialBuilder().tenantId(tenant).clientId(client).clientSecret(secret),
          authority, knownAuthority).build();
    }
    ClientCertificateCredentialBuilder builder = common(new ClientCertificateCredentialBuilder(), authority,
        knownAuthority).tenantId(tenant).clientId(client);
    String password = environment.get("AZURE_CLIENT_CERTIFICATE_PASSWORD");
    boolean pfx = certPath.toLowerCase(java.util.Locale.ROOT).matches(".*\\.(pfx|p12)$");
    if (pfx) {
      builder.pfxCertificate(certPath);
      if (!blank(password)) {
        builder.clientCertificatePassword(password);
      }
    } else {
      builder.pemCertificate(certPath);
    }
    builder.sendCertificateChain("true".equalsIgnoreCase(environment.get("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN")));
    return builder.build();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** Maps an Azure Identity failure onto a reason, keeping only redacted text. */
  static AcrAuthException translate(RuntimeException e, CredentialSource source, Registry registry, String scope) {
    String text = messages(e);
    AcrAuthException.Details details;
    Matcher m = AADSTS.matcher(text);
    // Azure Identity wraps MSAL failures: RuntimeException(ExecutionException(MsalServiceException("AADSTS..."))).
    boolean unavailable = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      unavailable |= t instanceof com.azure.identity.CredentialUnavailableException;
    }
    if (unavailable) {
      details = AcrAuthException.because(Reason.CREDENTIAL_UNAVAILABLE);
    } else if (m.find()) {
      details = AcrAuthException.because(reasonForAadsts(m.group(1)));
    } else {
      details = AcrAuthException.because(Reason.ENTRA_REJECTED);
    }
    details.operation("Microsoft Entra sign-in")
        .registry(registry.loginServer())
        .scope(scope)
        .source(source.toString())
        .detail(firstLine(text))
        .cause(e);
    return unavailable ? details.unavailable() : details.failed();
  }

  static Reason reasonForAadsts(String code) {
    switch (code) {
      case "7000215":
        return Reason.WRONG_CLIENT_SECRET;
      case "7000222":
        return Reason.CLIENT_SECRET_EXPIRED;
      case "700016":
        return Reason.APPLICATION_NOT_FOUND;
      case "90002":
        return Reason.TENANT_NOT_FOUND;
      case "500011":
        return Reason.INVALID_AUDIENCE;
      case "700024":
        return Reason.ASSERTION_EXPIRED;
      case "700027":
      case "700023":
      case "50012":
        return Reason.INVALID_CERTIFICATE;
      default:
        return Reason.ENTRA_REJECTED;
    }
  }

  private static String messages(Throwable e) {
    StringBuilder s = new StringBuilder();
    for (Throwable t = e; t != null && s.length() < 4000; t = t.getCause()) {
      if (t.getMessage() != null) {
        s.append(t.getMessage()).append(' ');
      }
    }
    return s.toString();
  }

  private static String firstLine(String text) {
    String t = text.strip();
    int aadsts = t.indexOf("AADSTS");
    if (aadsts > 0) {
      t = t.substring(aadsts);
    }
    int cut = t.indexOf('\n');
    if (cut < 0) {
      cut = t.indexOf("Trace ID");
    }
    t = cut > 0 ? t.substring(0, cut) : t;
    return t.length() > 300 ? t.substring(0, 300) + "..." : t.strip();
  }
}
