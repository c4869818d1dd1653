package io.github.acrlogin.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.Audience;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Registry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthResolverTest {

  static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  static final String CLIENT = "1b2c3d4e-0000-1111-2222-333344445555";
  static final String SECRET = "s3cr3t-value-that-must-not-leak";

  final Map<String, ServerEntry> servers = new HashMap<>();
  final Map<String, String> env = new HashMap<>();
  final AuthResolver resolver = new AuthResolver(env, servers::get);
  final Registry registry = Registry.parse("myregistry");

  private CredentialSource resolve(AuthConfig auth) throws ConfigurationProblem {
    return resolver.credentialSource(auth.withDefaults(k -> null), registry, Audience.ACR);
  }

  private String problem(AuthConfig auth) {
    return assertThrows(ConfigurationProblem.class, () -> resolve(auth)).getMessage();
  }

  private static AuthConfig auth(String method) {
    AuthConfig a = new AuthConfig();
    a.setMethod(method);
    return a;
  }

  // ---------------------------------------------------------------- registry, cloud, audience

  @Test
  void missingRegistryNamesTheElementAndProperty() {
    String m = assertThrows(ConfigurationProblem.class, () -> AuthResolver.registry(null, null, null, null))
        .getMessage();
    assertTrue(m.contains("<registry>") && m.contains("acr.registry"), m);
  }

  @Test
  void invalidRegistryNamesTheElement() {
    String m = assertThrows(ConfigurationProblem.class,
        () -> AuthResolver.registry("my_registry!", null, null, null)).getMessage();
    assertTrue(m.startsWith("<registry> (acr.registry)"), m);
  }

  @Test
  void unknownCloudNamesTheElement() {
    String m = assertThrows(ConfigurationProblem.class,
        () -> AuthResolver.registry("myregistry", "Mars", null, null)).getMessage();
    assertTrue(m.startsWith("<cloud> (acr.cloud)"), m);
  }

  @Test
  void authorityHostMustBeHttps() {
    String m = assertThrows(ConfigurationProblem.class,
        () -> AuthResolver.registry("myregistry", null, "http://login.example", null)).getMessage();
    assertTrue(m.contains("<authorityHost>"), m);
  }

  @Test
  void customAuthorityHostGoesIntoTheRegistrysCloud() throws Exception {
    Registry r = AuthResolver.registry("127.0.0.1:5000", null, "https://127.0.0.1:8443", null);
    assertEquals("127.0.0.1:5000", r.loginServer());
    assertEquals("https://127.0.0.1:8443", r.cloud().authorityHost());
  }

  @Test
  void badAudienceNamesTheElement() {
    String m = assertThrows(ConfigurationProblem.class, () -> AuthResolver.audience("graph")).getMessage();
    assertTrue(m.startsWith("<audience> (acr.audience)"), m);
  }

  @Test
  void armAudienceIsRefusedForUsernamePasswordMethods() {
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", "myregistry", SECRET, null, null));
    String m = assertThrows(ConfigurationProblem.class, () -> resolver.credentialSource(
        auth("admin-user").withDefaults(k -> null), registry, Audience.ARM)).getMessage();
    assertTrue(m.contains("<audience>arm</audience>"), m);
  }

  // ---------------------------------------------------------------- methods

  @Test
  void noMethodIsTheDefaultChain() throws Exception {
    assertEquals(CredentialSource.Kind.DEFAULT_CHAIN, resolve(new AuthConfig()).kind());
  }

  @Test
  void unknownMethodListsTheAcceptedOnes() {
    String m = problem(auth("password"));
    assertTrue(m.contains("<auth><method>") && m.contains("service-principal") && m.contains("managed-identity"), m);
  }

  @Test
  void methodComesFromTheUserPropertyWhenTheElementIsAbsent() throws Exception {
    AuthConfig a = new AuthConfig().withDefaults(k -> k.equals("acr.auth.method") ? "azure-cli" : null);
    assertEquals(CredentialSource.Kind.AZURE_CLI, resolver.credentialSource(a, registry, Audience.ACR).kind());
  }

  @Test
  void elementWinsOverUserProperty() {
    AuthConfig a = auth("managed-identity").withDefaults(k -> k.equals("acr.auth.method") ? "azure-cli" : null);
    assertEquals("managed-identity", a.method());
  }

  @Test
  void servicePrincipalSecretComesFromTheServerNamedLikeTheLoginServer() throws Exception {
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", CLIENT, SECRET, null, null));
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    CredentialSource s = resolve(a);
    assertEquals(CredentialSource.Kind.SERVICE_PRINCIPAL_SECRET, s.kind());
    assertEquals(CLIENT, s.clientId().orElseThrow());
    assertTrue(s.secret().orElseThrow().matches(SECRET));
  }

  @Test
  void servicePrincipalFallsBackToAzureIdentityEnvironment() throws Exception {
    env.put("AZURE_TENANT_ID", TENANT);
    env.put("AZURE_CLIENT_ID", CLIENT);
    env.put("AZURE_CLIENT_SECRET", SECRET);
    assertEquals(CredentialSource.Kind.SERVICE_PRINCIPAL_SECRET, resolve(auth("service-principal")).kind());
  }

  @Test
  void servicePrincipalWithoutTenantNamesTenantId() {
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", CLIENT, SECRET, null, null));
    String m = problem(auth("service-principal"));
    assertTrue(m.contains("<auth><tenantId>") && m.contains("AZURE_TENANT_ID"), m);
  }

  @Test
  void servicePrincipalWithoutSecretShowsTheSettingsEntryToAdd() {
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    a.setClientId(CLIENT);
    String m = problem(a);
    assertTrue(m.contains("<server><id>myregistry.azurecr.io</id>") && m.contains("--encrypt-password"), m);
  }

  @Test
  void invalidClientIdIsReportedByTheAuthBlock() {
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", "not-a-guid", SECRET, null, null));
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    String m = problem(a);
    assertTrue(m.startsWith("<auth> for service-principal") && m.contains("not-a-guid"), m);
    assertFalse(m.contains(SECRET));
  }

  @Test
  void explicitServerIdMustExist() {
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    a.setServerId("acr-prod");
    String m = problem(a);
    assertTrue(m.contains("<auth><serverId>") && m.contains("acr-prod"), m);
  }

  @Test
  void certificatePathMustBeReadable() {
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    a.setClientId(CLIENT);
    a.setCertificatePath("/nonexistent/sp.pem");
    String m = problem(a);
    assertTrue(m.contains("<auth><certificatePath>"), m);
  }

  @Test
  void certificateFromServerPrivateKey(@TempDir Path dir) throws Exception {
    Path pem = Files.writeString(dir.resolve("sp.pem"), "pem");
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", CLIENT, null, pem.toString(), null));
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    assertEquals(CredentialSource.Kind.SERVICE_PRINCIPAL_CERTIFICATE, resolve(a).kind());
  }

  @Test
  void managedIdentityIsSystemAssignedByDefault() throws Exception {
    CredentialSource s = resolve(auth("managed-identity"));
    assertEquals(CredentialSource.ManagedIdentityId.SYSTEM_ASSIGNED, s.managedIdentityId().orElseThrow());
  }

  @Test
  void managedIdentityByClientId() throws Exception {
    AuthConfig a = auth("managed-identity");
    a.setManagedIdentityClientId(CLIENT);
    assertEquals(CredentialSource.ManagedIdentityId.CLIENT_ID, resolve(a).managedIdentityId().orElseThrow());
  }

  @Test
  void managedIdentityWithTwoIdsNamesBoth() {
    AuthConfig a = auth("managed-identity");
    a.setManagedIdentityClientId(CLIENT);
    a.setManagedIdentityObjectId(CLIENT);
    String m = problem(a);
    assertTrue(m.contains("<auth><managedIdentityClientId>") && m.contains("<auth><managedIdentityObjectId>"), m);
  }

  @Test
  void managedIdentityWithBadResourceId() {
    AuthConfig a = auth("managed-identity");
    a.setManagedIdentityResourceId("/subscriptions/x");
    String m = problem(a);
    assertTrue(m.startsWith("<auth> for managed-identity") && m.contains("resource id"), m);
  }

  @Test
  void elementThatDoesNotApplyToTheMethodIsNamed() {
    AuthConfig a = auth("managed-identity");
    a.setTenantId(TENANT);
    String m = problem(a);
    assertTrue(m.contains("<auth><tenantId>") && m.contains("does not apply"), m);
  }

  @Test
  void workloadIdentityFromEnvironmentWhenNothingIsConfigured() throws Exception {
    assertEquals(CredentialSource.Kind.WORKLOAD_IDENTITY, resolve(auth("workload-identity")).kind());
  }

  @Test
  void workloadIdentityNamesWhatIsMissing(@TempDir Path dir) {
    AuthConfig a = auth("workload-identity");
    a.setTenantId(TENANT);
    String m = problem(a);
    assertTrue(m.contains("<auth><clientId>") && m.contains("<auth><federatedTokenFile>"), m);
  }

  @Test
  void workloadIdentityTokenFileMustExist() {
    AuthConfig a = auth("workload-identity");
    a.setTenantId(TENANT);
    a.setClientId(CLIENT);
    a.setFederatedTokenFile("/nonexistent/token");
    assertTrue(problem(a).contains("<auth><federatedTokenFile>"));
  }

  @Test
  void adminUserIsNamedLikeTheRegistry() throws Exception {
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", null, SECRET, null, null));
    CredentialSource s = resolve(auth("admin-user"));
    assertEquals(CredentialSource.Kind.ADMIN_USER, s.kind());
    assertEquals("myregistry", s.username().orElseThrow());
  }

  @Test
  void repositoryTokenWithoutPasswordShowsTheSettingsEntry() {
    AuthConfig a = auth("repository-token");
    a.setUsername("ci-push");
    String m = problem(a);
    assertTrue(m.contains("repository-token") && m.contains("<server><id>myregistry.azurecr.io</id>"), m);
  }

  @Test
  void repositoryTokenWithoutNameNamesUsername() {
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", null, SECRET, null, null));
    assertTrue(problem(auth("repository-token")).contains("<auth><username>"));
  }

  // ---------------------------------------------------------------- service principal: which id goes with which secret

  static final String OTHER_CLIENT = "9a8b7c6d-0000-1111-2222-333344445555";

  @Test
  void clientIdAndServerUsernameThatDifferAreRefused() {
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", OTHER_CLIENT, SECRET, null, null));
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    a.setClientId(CLIENT);
    String m = problem(a);
    assertTrue(m.startsWith("<auth><clientId> (acr.auth.clientId) '" + CLIENT + "'") && m.contains(OTHER_CLIENT)
        && m.contains("settings.xml server 'myregistry.azurecr.io'"), m);
    assertFalse(m.contains(SECRET), m);
  }

  @Test
  void clientIdAndServerUsernameThatAgreeAreFine() throws Exception {
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", CLIENT.toUpperCase(), SECRET, null,
        null));
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    a.setClientId(CLIENT);
    assertEquals(CLIENT, resolve(a).clientId().orElseThrow());
  }

  @Test
  void azureClientSecretIsNotPairedWithAClientIdFromThePom() {
    env.put("AZURE_CLIENT_ID", OTHER_CLIENT);
    env.put("AZURE_CLIENT_SECRET", SECRET);
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    a.setClientId(CLIENT);
    String m = problem(a);
    assertTrue(m.contains("needs a client secret or certificate") && m.contains("AZURE_CLIENT_ID"), m);
  }

  @Test
  void azureClientSecretIsNotPairedWithAClientIdFromSettings() {
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", CLIENT, null, null, null));
    env.put("AZURE_CLIENT_ID", OTHER_CLIENT);
    env.put("AZURE_CLIENT_SECRET", SECRET);
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    assertTrue(problem(a).contains("needs a client secret or certificate"));
  }

  @Test
  void passphraseForAPemCertificateIsRefused(@TempDir Path dir) throws Exception {
    Path pem = Files.writeString(dir.resolve("sp.pem"), "pem");
    servers.put("myregistry.azurecr.io", new ServerEntry("myregistry.azurecr.io", CLIENT, null, pem.toString(),
        "pfx-password-not-for-pem"));
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    String m = problem(a);
    assertTrue(m.contains("<passphrase>") && m.contains("PEM"), m);
    assertFalse(m.contains("pfx-password-not-for-pem"), m);
  }

  // ---------------------------------------------------------------- sendCertificateChain

  @Test
  void sendCertificateChainAppliesOnlyToServicePrincipals() {
    AuthConfig a = auth("managed-identity");
    a.setSendCertificateChain(true);
    String m = problem(a);
    assertTrue(m.startsWith("<auth><sendCertificateChain> (acr.auth.sendCertificateChain) does not apply"), m);
    AuthConfig fromProperty = auth("azure-cli")
        .withDefaults(k -> k.equals("acr.auth.sendCertificateChain") ? "false" : null);
    assertThrows(ConfigurationProblem.class, () -> resolver.credentialSource(fromProperty, registry, Audience.ACR));
  }

  @Test
  void sendCertificateChainIsAcceptedForAServicePrincipalCertificateAndShown(@TempDir Path dir) throws Exception {
    Path pem = Files.writeString(dir.resolve("sp.pem"), "pem");
    AuthConfig a = auth("service-principal");
    a.setTenantId(TENANT);
    a.setClientId(CLIENT);
    a.setCertificatePath(pem.toString());
    a.setSendCertificateChain(true);
    assertEquals(CredentialSource.Kind.SERVICE_PRINCIPAL_CERTIFICATE, resolve(a).kind());
    assertTrue(a.toString().contains("sendCertificateChain=true"), a.toString());
    assertFalse(new AuthConfig().toString().contains("sendCertificateChain"));
  }

  // ---------------------------------------------------------------- <audience>

  @Test
  void audienceIsParsedOnceForCloudAndSource() throws Exception {
    assertEquals(new AuthResolver.AudienceSetting(Audience.ARM, null), AuthResolver.parseAudience(" ARM "));
    assertEquals(new AuthResolver.AudienceSetting(Audience.ACR, "https://containerregistry.example.com"),
        AuthResolver.parseAudience("https://containerregistry.example.com"));
    Registry r = AuthResolver.registry("myregistry", null, null, "https://containerregistry.example.com");
    assertEquals(Audience.ACR, AuthResolver.audience("https://containerregistry.example.com"));
    assertEquals("https://containerregistry.example.com", r.cloud().acrAudience());
    String m = assertThrows(ConfigurationProblem.class,
        () -> AuthResolver.registry("myregistry", null, null, "http://containerregistry.example.com")).getMessage();
    assertTrue(m.startsWith("<audience> (acr.audience)"), m);
  }

  // ---------------------------------------------------------------- secrets in the POM

  @Test
  void clientSecretInPomIsRefusedWithoutEchoingIt() {
    AuthConfig a = auth("service-principal");
    a.setClientSecret(SECRET);
    String m = problem(a);
    assertTrue(m.contains("<auth><clientSecret>") && m.contains("settings.xml"), m);
    assertFalse(m.contains(SECRET), m);
    assertFalse(a.toString().contains(SECRET));
  }

  @Test
  void passwordInPomIsRefusedToo() {
    AuthConfig a = auth("admin-user");
    a.setPassword(SECRET);
    assertTrue(problem(a).contains("<auth><password>"));
  }
}
