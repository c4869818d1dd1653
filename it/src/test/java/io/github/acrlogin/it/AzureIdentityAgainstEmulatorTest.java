package io.github.acrlogin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.Configuration;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.core.util.ConfigurationSource;
import com.azure.identity.ClientAssertionCredentialBuilder;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Azure Identity 1.19 (MSAL4J 1.26), the SDK that does the first hop for shared-auth, gets tokens from
 * the emulator with every credential kind: proof that the emulated endpoints answer what it expects.
 */
class AzureIdentityAgainstEmulatorTest {
  static final String ACR_SCOPE = "https://containerregistry.azure.net/.default";
  static AcrTestBed bed;
  static HttpClient http;

  @BeforeAll
  static void start() {
    bed = AcrTestBed.start();
    http = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(bed.sslContext())).build();
  }

  @AfterAll
  static void stop() {
    bed.close();
  }

  @BeforeEach
  void clean() {
    bed.counters().reset();
  }

  private static JsonNode claimsOf(TokenCredential credential) {
    AccessToken token = credential.getTokenSync(new TokenRequestContext().addScopes(ACR_SCOPE));
    return Wire.claims(token.getToken());
  }

  @Test
  void clientSecretCredentialGetsAnAcrTokenWithOneRequestToTheTokenEndpoint() {
    ServicePrincipal sp = bed.addServicePrincipal();
    JsonNode claims = claimsOf(new ClientSecretCredentialBuilder().tenantId(sp.tenantId()).clientId(sp.clientId())
        .clientSecret(sp.requireSecret()).authorityHost(bed.authorityHost()).disableInstanceDiscovery()
        .httpClient(http).build());
    assertEquals("https://containerregistry.azure.net", claims.get("aud").asText());
    assertEquals(sp.objectId(), claims.get("oid").asText());
    // With instance discovery disabled MSAL asks nothing but the token endpoint.
    assertEquals(1, bed.counters().count(Endpoint.ENTRA_TOKEN, sp.clientId()), bed.counters().toString());
    assertEquals(0, bed.counters().count(Endpoint.INSTANCE_DISCOVERY), bed.counters().toString());
    assertEquals(0, bed.counters().count(Endpoint.OPENID_CONFIGURATION), bed.counters().toString());
    assertEquals(0, bed.counters().count(Endpoint.UNKNOWN), bed.counters().toString());
  }

  @Test
  void clientSecretCredentialSurfacesTheAadstsCodeOfAWrongSecret() {
    ServicePrincipal sp = bed.addServicePrincipal();
    // getTokenSync wraps MSAL's MsalServiceException in RuntimeException(ExecutionException(...)).
    RuntimeException e = assertThrows(RuntimeException.class, () -> claimsOf(
        new ClientSecretCredentialBuilder().tenantId(sp.tenantId()).clientId(sp.clientId()).clientSecret("wrong")
            .authorityHost(bed.authorityHost()).disableInstanceDiscovery().httpClient(http).build()));
    assertTrue(e.getMessage().contains("AADSTS7000215"), e.getMessage());
    assertTrue(!e.getMessage().contains(sp.requireSecret()));
  }

  @Test
  void clientCertificateCredentialWorksWithPemAndWithPfx() {
    ServicePrincipal sp = bed.addServicePrincipal(s -> s.secret(false).certificate(true));
    TestCertificate cert = sp.certificate().orElseThrow();
    JsonNode pem = claimsOf(new ClientCertificateCredentialBuilder().tenantId(sp.tenantId()).clientId(sp.clientId())
        .pemCertificate(cert.pemFile().toString()).authorityHost(bed.authorityHost()).disableInstanceDiscovery()
        .httpClient(http).build());
    assertEquals(sp.objectId(), pem.get("oid").asText());
    JsonNode pfx = claimsOf(new ClientCertificateCredentialBuilder().tenantId(sp.tenantId()).clientId(sp.clientId())
        .pfxCertificate(cert.pfxFile().toString()).clientCertificatePassword(cert.pfxPassword())
        .sendCertificateChain(true).authorityHost(bed.authorityHost()).disableInstanceDiscovery()
        .httpClient(http).build());
    assertEquals(sp.objectId(), pfx.get("oid").asText());
  }

  @Test
  void clientAssertionCredentialWithAFederatedTokenWorks() {
    WorkloadIdentity wi = bed.addWorkloadIdentity("system:serviceaccount:ci:assertion");
    JsonNode claims = claimsOf(new ClientAssertionCredentialBuilder().tenantId(wi.tenantId()).clientId(wi.clientId())
        .clientAssertion(() -> bed.federatedAssertion(wi, Duration.ofMinutes(10)))
        .authorityHost(bed.authorityHost()).disableInstanceDiscovery().httpClient(http).build());
    assertEquals(wi.objectId(), claims.get("oid").asText());
  }

  private static Configuration environment(Map<String, String> env) {
    ConfigurationSource none = path -> Map.of();
    ConfigurationSource variables = path -> env;
    return new ConfigurationBuilder(none, none, variables).build();
  }

  @Test
  void workloadIdentityCredentialReadsTheTokenFileFromItsConfiguration() {
    WorkloadIdentity wi = bed.addWorkloadIdentity("system:serviceaccount:ci:workload");
    Path file = bed.federatedToken(wi);
    Configuration env = environment(Map.of("AZURE_TENANT_ID", wi.tenantId(), "AZURE_CLIENT_ID", wi.clientId(),
        "AZURE_FEDERATED_TOKEN_FILE", file.toString(), "AZURE_AUTHORITY_HOST", bed.authorityHost()));
    JsonNode claims = claimsOf(new WorkloadIdentityCredentialBuilder().configuration(env).disableInstanceDiscovery()
        .httpClient(http).build());
    assertEquals(wi.objectId(), claims.get("oid").asText());
  }

  @Test
  void workloadIdentityCredentialWithAnExpiredTokenFileFailsWith700024() {
    WorkloadIdentity wi = bed.addWorkloadIdentity("system:serviceaccount:ci:late");
    Path file = bed.federatedToken(wi, Duration.ofMinutes(-10));
    RuntimeException e = assertThrows(RuntimeException.class, () -> claimsOf(
        new WorkloadIdentityCredentialBuilder().tenantId(wi.tenantId()).clientId(wi.clientId())
            .tokenFilePath(file.toString()).authorityHost(bed.authorityHost()).disableInstanceDiscovery()
            .httpClient(http).build()));
    assertTrue(e.getMessage().contains("AADSTS700024"), e.getMessage());
  }

  @Test
  void managedIdentityCredentialUsesTheAppServiceEndpointFromRealEnvironmentVariables() throws Exception {
    ManagedIdentity system = bed.systemAssignedIdentity();
    ManagedIdentity user = bed.addManagedIdentity("probe-identity");
    assertEquals(system.objectId(), probe("system").get("oid").asText());
    assertEquals(user.objectId(), probe("client_id", user.clientId()).get("oid").asText());
    assertEquals(user.objectId(), probe("object_id", user.objectId()).get("oid").asText());
    assertEquals(user.objectId(), probe("resource_id", user.resourceId().orElseThrow()).get("oid").asText());
    assertEquals(4, bed.counters().count(Endpoint.MANAGED_IDENTITY), bed.counters().toString());
  }

  /** Runs {@link ManagedIdentityProbe} in a child JVM whose environment points at the emulator. */
  private static JsonNode probe(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djavax.net.ssl.trustStore=" + bed.trustStore(), "-Djavax.net.ssl.trustStorePassword=" + bed.trustStorePassword(),
        "-Djavax.net.ssl.trustStoreType=PKCS12", "-cp", System.getProperty("java.class.path"),
        ManagedIdentityProbe.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("AZURE_") || k.startsWith("IDENTITY_") || k.startsWith("MSI_")
        || k.equals("IMDS_ENDPOINT"));
    pb.environment().put("IDENTITY_ENDPOINT", bed.identityEndpoint());
    pb.environment().put("IDENTITY_HEADER", bed.identityHeader());
    Path out = Files.createTempFile(bed.workDir(), "probe", ".txt");
    Process p = pb.redirectOutput(out.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("probe did not finish");
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    String line = output.lines().filter(l -> l.startsWith("CLAIMS ")).findFirst()
        .orElseThrow(() -> new AssertionError("probe failed (" + p.exitValue() + "):\n" + output));
    return Wire.JSON.readTree(line.substring("CLAIMS ".length()));
  }
}
