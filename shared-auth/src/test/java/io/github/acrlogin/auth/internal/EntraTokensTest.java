package io.github.acrlogin.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.Audience;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.ClientCertificate;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.CredentialUnavailableException;
import io.github.acrlogin.auth.Reason;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Secret;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The first hop as Azure Identity performs it, observed through a recording HTTP client: what each credential
 * source sends to Entra, and how Entra's errors map to reasons. Nothing leaves the JVM.
 */
class EntraTokensTest {

  static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  static final String CLIENT = "1b2c3d4e-0000-1111-2222-333344445555";
  static final String AUTHORITY = "https://login.testbed.example";
  static final AzureCloud CLOUD = AzureCloud.builder(AzureCloud.PUBLIC).name("TestCloud")
      .authorityHost(AUTHORITY).build();
  static final Registry REGISTRY = Registry.parse("myregistry.azurecr.io", CLOUD).inCloud(CLOUD);

  final Recorder entra = new Recorder();

  @Test
  void servicePrincipalSecretPostsClientCredentialsForTheAcrAudienceToTheCloudsAuthority() throws Exception {
    entra.answer = Recorder.OK;
    EntraTokens.EntraToken token = new EntraTokens(entra, Map.of())
        .token(CredentialSource.servicePrincipal(TENANT, CLIENT, Secret.of("sp-secret-value")), REGISTRY);

    Recorded r = entra.only();
    assertEquals("POST", r.method);
    assertEquals(AUTHORITY + "/" + TENANT + "/oauth2/v2.0/token", r.url);
    assertEquals("client_credentials", r.form.get("grant_type"));
    assertEquals(CLIENT, r.form.get("client_id"));
    assertEquals("sp-secret-value", r.form.get("client_secret"));
    assertEquals(List.of("https://containerregistry.azure.net/.default"), resourceScopes(r));
    assertEquals(TENANT, token.tenantId());
    assertFalse(token.toString().contains(token.token().reveal()));
  }

  @Test
  void armAudienceIsRequestedOnlyWhenAskedFor() throws Exception {
    entra.answer = Recorder.OK;
    new EntraTokens(entra, Map.of()).token(
        CredentialSource.servicePrincipal(TENANT, CLIENT, Secret.of("s")).withAudience(Audience.ARM), REGISTRY);
    assertEquals(List.of("https://management.azure.com/.default"), resourceScopes(entra.only()));
  }

  @Test
  void certificateSendsASignedAssertionNotASecret(@TempDir Path dir) throws Exception {
    Path pfx = dir.resolve("sp.pfx");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "sp", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=acr-login-test",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", pfx.toString(), "-storepass", "pfx-password",
        "-keypass", "pfx-password").redirectErrorStream(true).start();
    assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0,
        new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    entra.answer = Recorder.OK;

    new EntraTokens(entra, Map.of()).token(CredentialSource.servicePrincipal(TENANT, CLIENT,
        ClientCertificate.pfx(Files.readAllBytes(pfx), Secret.of("pfx-password"))), REGISTRY);

    Recorded r = entra.only();
    assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", r.form.get("client_assertion_type"));
    Jwt assertion = Jwt.decode(r.form.get("client_assertion"));
    assertEquals(CLIENT, assertion.issuer().orElseThrow());
    assertEquals(AUTHORITY + "/" + TENANT + "/oauth2/v2.0/token", assertion.audience().orElseThrow());
    assertTrue(assertion.headerParam("x5t#S256").isPresent() || assertion.headerParam("x5t").isPresent());
    assertFalse(r.form.containsKey("client_secret"));
  }

  @Test
  void workloadIdentityExchangesTheFederatedTokenFromItsFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    String federated = token("federation-issuer");
    Files.writeString(file, federated);
    entra.answer = Recorder.OK;

    new EntraTokens(entra, Map.of()).token(CredentialSource.workloadIdentity(TENANT, CLIENT, file), REGISTRY);

    Recorded r = entra.only();
    assertEquals(AUTHORITY + "/" + TENANT + "/oauth2/v2.0/token", r.url);
    assertEquals(federated, r.form.get("client_assertion"));
    assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", r.form.get("client_assertion_type"));
  }

  @Test
  void workloadIdentityFromTheEnvironmentReadsTheInjectedEnvironmentNotTheProcess(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "federated-assertion");
    entra.answer = Recorder.OK;
    Map<String, String> env = Map.of("AZURE_TENANT_ID", TENANT, "AZURE_CLIENT_ID", CLIENT,
        "AZURE_FEDERATED_TOKEN_FILE", file.toString());

    new EntraTokens(entra, env).token(CredentialSource.workloadIdentityFromEnvironment(), REGISTRY);
    assertEquals("federated-assertion", entra.only().form.get("client_assertion"));

    AcrAuthException missing = assertThrows(AcrAuthException.class, () -> new EntraTokens(entra, Map.of())
        .token(CredentialSource.workloadIdentityFromEnvironment(), REGISTRY));
    assertEquals(Reason.CONFIGURATION, missing.reason());
    assertTrue(missing.getMessage().contains("AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_FEDERATED_TOKEN_FILE"),
        missing.getMessage());
  }

  @Test
  void assertionSupplierIsCalledForTheRequest() throws Exception {
    entra.answer = Recorder.OK;
    new EntraTokens(entra, Map.of()).token(
        CredentialSource.workloadIdentity(TENANT, CLIENT, () -> "oidc-from-ci"), REGISTRY);
    assertEquals("oidc-from-ci", entra.only().form.get("client_assertion"));
  }

  @Test
  void environmentSourceUsesTheInjectedSecret() throws Exception {
    entra.answer = Recorder.OK;
    new EntraTokens(entra, Map.of("AZURE_TENANT_ID", TENANT, "AZURE_CLIENT_ID", CLIENT,
        "AZURE_CLIENT_SECRET", "env-secret")).token(CredentialSource.environment(), REGISTRY);
    assertEquals("env-secret", entra.only().form.get("client_secret"));
  }

  @Test
  void azureAuthorityHostOverridesThePublicCloudOnly() throws Exception {
    entra.answer = Recorder.OK;
    new EntraTokens(entra, Map.of("AZURE_AUTHORITY_HOST", "https://login.override.example"))
        .token(CredentialSource.servicePrincipal(TENANT, CLIENT, Secret.of("s")), Registry.parse("myregistry"));
    assertEquals("https://login.override.example/" + TENANT + "/oauth2/v2.0/token", entra.only().url);
  }

  @Test
  void entraErrorsMapToReasonsWithTheirAadstsCode() {
    Map<String, Reason> cases = new LinkedHashMap<>();
    cases.put("7000215", Reason.WRONG_CLIENT_SECRET);
    cases.put("7000222", Reason.CLIENT_SECRET_EXPIRED);
    cases.put("700016", Reason.APPLICATION_NOT_FOUND);
    cases.put("90002", Reason.TENANT_NOT_FOUND);
    cases.put("500011", Reason.INVALID_AUDIENCE);
    cases.put("700024", Reason.ASSERTION_EXPIRED);
    cases.put("50001", Reason.ENTRA_REJECTED);
    cases.forEach((code, reason) -> {
      Recorder failing = new Recorder();
      failing.answer = r -> new FakeResponse(r, code.equals("7000215") ? 401 : 400,
          "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS" + code + ": Something failed.\\r\\n"
              + "Trace ID: 1\\r\\nCorrelation ID: 2\\r\\nTimestamp: 2026-11-21 10:00:00Z\",\"error_codes\":["
              + code + "]}");
      AcrAuthException e = assertThrows(AcrAuthException.class, () -> new EntraTokens(failing, Map.of())
          .token(CredentialSource.servicePrincipal(TENANT, CLIENT, Secret.of("wrong-secret-value")), REGISTRY));
      assertEquals(reason, e.reason(), code);
      assertTrue(e.getMessage().contains("AADSTS" + code), e.getMessage());
      assertTrue(e.getMessage().contains(reason.remedy()), e.getMessage());
      assertFalse(e.getMessage().contains("wrong-secret-value"), e.getMessage());
      assertFalse(e.getMessage().contains("Trace ID"), "one line, no trace noise: " + e.getMessage());
    });
  }

  @Test
  void userAssignedManagedIdentityAsksImdsForTheAcrResourceWithItsClientId() throws Exception {
    // MSAL picks the managed-identity source from the process environment; on a plain machine that is IMDS.
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("IDENTITY_ENDPOINT") == null
        && System.getenv("MSI_ENDPOINT") == null && System.getenv("IMDS_ENDPOINT") == null,
        "this JVM runs where an App Service / Arc / Cloud Shell identity endpoint is configured");
    entra.answer = request -> new FakeResponse(request, 200, "{\"access_token\":\"" + token(TENANT)
        + "\",\"expires_on\":\"" + (Instant.now().getEpochSecond() + 3600) + "\",\"resource\":"
        + "\"https://containerregistry.azure.net\",\"token_type\":\"Bearer\",\"client_id\":\"" + CLIENT + "\"}");

    new EntraTokens(entra, Map.of()).token(
        CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.CLIENT_ID, CLIENT), REGISTRY);

    Recorded r = entra.requests.get(entra.requests.size() - 1);
    assertEquals("GET", r.method);
    assertTrue(r.url.startsWith("http://169.254.169.254/metadata/identity/oauth2/token?"), r.url);
    assertTrue(r.url.contains("resource=https://containerregistry.azure.net")
        || r.url.contains("resource=https%3A%2F%2Fcontainerregistry.azure.net"), r.url);
    assertTrue(r.url.contains("client_id=" + CLIENT), r.url);
    assertTrue(r.headers.containsKey("metadata"), r.headers.toString());
  }

  @Test
  void callerSuppliedCredentialIsUsedAsIs() throws Exception {
    String issued = token(TENANT);
    EntraTokens.EntraToken t = new EntraTokens(entra, Map.of()).token(CredentialSource.entraCredential(
        request -> Mono.just(new com.azure.core.credential.AccessToken(issued,
            Instant.now().plusSeconds(3600).atOffset(java.time.ZoneOffset.UTC))), "caller"), REGISTRY);
    assertEquals(issued, t.token().reveal());
    assertTrue(entra.requests.isEmpty());
  }

  @Test
  void unavailableCredentialsAreReportedAsUnavailable() {
    CredentialSource failing = CredentialSource.entraCredential(request -> Mono.error(
        new com.azure.identity.CredentialUnavailableException("no managed identity endpoint")), "caller");
    AcrAuthException e = assertThrows(AcrAuthException.class,
        () -> new EntraTokens(entra, Map.of()).token(failing, REGISTRY));
    assertInstanceOf(CredentialUnavailableException.class, e);
    assertEquals(Reason.CREDENTIAL_UNAVAILABLE, e.reason());
  }

  /** The resource scopes asked for; MSAL always adds the OpenID ones (openid profile offline_access). */
  static List<String> resourceScopes(Recorded r) {
    return java.util.Arrays.stream(r.form.get("scope").split(" "))
        .filter(s -> !List.of("openid", "profile", "offline_access").contains(s)).toList();
  }

  // ---------------------------------------------------------------- fakes

  static String token(String tenant) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(("{\"tid\":\"" + tenant + "\",\"iss\":\"" + tenant + "\",\"exp\":"
            + (Instant.now().getEpochSecond() + 3600) + "}").getBytes(StandardCharsets.UTF_8)) + ".c2ln";
  }

  static final class Recorded {
    String method;
    String url;
    Map<String, String> form = new LinkedHashMap<>();
    Map<String, String> headers = new LinkedHashMap<>();
  }

  /** An Azure HttpClient that records every request and answers like Entra. */
  static final class Recorder implements HttpClient {
    final List<Recorded> requests = new CopyOnWriteArrayList<>();
    /** Entra's success answer with a fresh token. */
    static final Function<HttpRequest, HttpResponse> OK = request -> new FakeResponse(request, 200,
        "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\""
            + token(TENANT) + "\"}");
    Function<HttpRequest, HttpResponse> answer = OK;

    Recorded only() {
      assertEquals(1, requests.size(), () -> "requests: " + requests.stream().map(r -> r.url).toList());
      return requests.get(0);
    }

    @Override
    public Mono<HttpResponse> send(HttpRequest request) {
      Recorded r = new Recorded();
      r.method = request.getHttpMethod().name();
      r.url = request.getUrl().toString();
      request.getHeaders().forEach(h -> r.headers.put(h.getName().toLowerCase(java.util.Locale.ROOT), h.getValue()));
      String body = request.getBodyAsBinaryData() == null ? "" : request.getBodyAsBinaryData().toString();
      for (String pair : body.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          r.form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      requests.add(r);
      return Mono.just(answer.apply(request));
    }
  }

  static final class FakeResponse extends HttpResponse {
    private final int status;
    private final byte[] body;
    private final HttpHeaders headers = new HttpHeaders().set(HttpHeaderName.CONTENT_TYPE, "application/json");

    FakeResponse(HttpRequest request, int status, String body) {
      super(request);
      this.status = status;
      this.body = body.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int getStatusCode() {
      return status;
    }

    @Override
    @Deprecated
    public String getHeaderValue(String name) {
      return headers.getValue(HttpHeaderName.fromString(name));
    }

    @Override
    public HttpHeaders getHeaders() {
      return headers;
    }

    @Override
    public Flux<ByteBuffer> getBody() {
      return Flux.just(ByteBuffer.wrap(body));
    }

    @Override
    public Mono<byte[]> getBodyAsByteArray() {
      return Mono.just(body);
    }

    @Override
    public Mono<String> getBodyAsString() {
      return Mono.just(new String(body, StandardCharsets.UTF_8));
    }

    @Override
    public Mono<String> getBodyAsString(Charset charset) {
      return Mono.just(new String(body, charset));
    }
  }
}
