package io.github.acrlogin.it.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.JibContainer;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.ClientCertificate;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Endpoint;
import io.github.acrlogin.it.RepositoryPermission;
import io.github.acrlogin.it.RepositoryToken;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.Skopeo;
import io.github.acrlogin.it.TestCertificate;
import io.github.acrlogin.it.TestRegistry;
import io.github.acrlogin.it.WorkloadIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every in-process login kind end to end: shared-auth logs in against the emulated Entra ID and ACR token
 * service, Jib Core pushes an image to the real registry with that login, and skopeo (an independent client)
 * inspects the pushed tag with the same credentials and sees the digest Jib reported. Managed identity needs
 * a child JVM and lives in {@link ManagedIdentityEndToEndTest}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoginKindsEndToEndTest {
  static AcrTestBed bed;
  static TestRegistry testRegistry;
  static Registry registry;
  static AcrAuthenticator acr;
  static SecretWatch watch = new SecretWatch();
  static Skopeo skopeo;

  @BeforeAll
  static void start() throws Exception {
    bed = AcrTestBed.start();
    E2e.trustBedForJib(bed);
    testRegistry = bed.addRegistry("loginkinds", r -> r.adminUser(true));
    registry = E2e.registry(bed, testRegistry);
    acr = E2e.authenticator(bed, watch);
    skopeo = new Skopeo(bed.workDir());
    watch.secret(testRegistry.adminPassword(), testRegistry.adminPassword2(), bed.identityHeader());
  }

  @AfterAll
  static void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  /** Jib pushes with {@code login}; skopeo inspects with the same user and password; digests must agree. */
  private static void pushAndInspect(RegistryLogin login, String repository) throws Exception {
    E2e.Creds creds = E2e.Creds.of(login);
    watch.secret(creds.password());
    String image = testRegistry.loginServer() + "/" + repository + ":1.0";
    JibContainer pushed = E2e.push(bed, image, creds);
    assertTrue(pushed.isImagePushed(), "Jib reports the image as pushed");
    assertEquals(pushed.getDigest().toString(), E2e.skopeoDigest(skopeo, bed, image, creds),
        "skopeo sees the manifest Jib pushed");
  }

  private static void assertRefreshTokenLogin(RegistryLogin login, String clientId) {
    assertTrue(login.isRefreshToken(), "an Entra identity logs in with an ACR refresh token");
    assertEquals("00000000-0000-0000-0000-000000000000", login.username());
    assertTrue(login.expiresAt().isPresent());
    assertTrue(bed.counters().count(Endpoint.ACR_EXCHANGE, clientId) >= 1,
        () -> "the Entra token of " + clientId + " was exchanged: " + bed.counters());
  }

  @Test
  @Order(1)
  void servicePrincipalWithSecretPushesWithJibAndSkopeoSeesTheSameDigest() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, testRegistry, Role.ACR_PUSH);
    watch.secret(sp.requireSecret());
    RegistryLogin login = acr.login(registry,
        CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(sp.requireSecret())));
    assertRefreshTokenLogin(login, sp.clientId());
    pushAndInspect(login, "kinds/sp-secret");
  }

  @Test
  @Order(2)
  void servicePrincipalWithPemCertificatePushesWithJibAndSkopeoSeesTheSameDigest() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal(s -> s.secret(false).certificate(true));
    bed.grant(sp, testRegistry, Role.ACR_PUSH);
    TestCertificate cert = sp.certificate().orElseThrow();
    watch.secret(cert.pfxPassword(), privateKeyBase64(cert.pemFile()));
    RegistryLogin login = acr.login(registry,
        CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), ClientCertificate.pem(cert.pemFile())));
    assertRefreshTokenLogin(login, sp.clientId());
    pushAndInspect(login, "kinds/sp-pem");
  }

  @Test
  @Order(3)
  void servicePrincipalWithPasswordProtectedPfxPushesWithJibAndSkopeoSeesTheSameDigest() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal(s -> s.secret(false).certificate(true));
    bed.grant(sp, testRegistry, Role.ACR_PUSH);
    TestCertificate cert = sp.certificate().orElseThrow();
    watch.secret(cert.pfxPassword());
    RegistryLogin login = acr.login(registry, CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(),
        ClientCertificate.pfx(cert.pfxFile(), Secret.of(cert.pfxPassword()))));
    assertRefreshTokenLogin(login, sp.clientId());
    pushAndInspect(login, "kinds/sp-pfx");
  }

  @Test
  @Order(4)
  void workloadIdentityFromFederatedTokenFilePushesWithJibAndSkopeoSeesTheSameDigest() throws Exception {
    WorkloadIdentity wi = bed.addWorkloadIdentity("system:serviceaccount:builds:builder");
    bed.grant(wi, testRegistry, Role.ACR_PUSH);
    Path tokenFile = bed.federatedToken(wi);
    watch.secret(Files.readString(tokenFile).trim());
    RegistryLogin login = acr.login(registry, CredentialSource.workloadIdentity(wi.tenantId(), wi.clientId(), tokenFile));
    assertRefreshTokenLogin(login, wi.clientId());
    pushAndInspect(login, "kinds/workload");
  }

  @Test
  @Order(5)
  void adminUserPushesWithJibAndSkopeoSeesTheSameDigestAndTheUserIsWarned() throws Exception {
    RegistryLogin login = acr.login(registry,
        CredentialSource.adminUser(testRegistry.adminUsername(), Secret.of(testRegistry.adminPassword())));
    assertFalse(login.isRefreshToken());
    assertEquals(testRegistry.adminUsername(), login.username());
    assertTrue(watch.events().stream().anyMatch(e -> e.level() == AuthEvent.Level.WARN
        && e.message().contains("admin user")), "using the admin user warns: " + watch.events());
    pushAndInspect(login, "kinds/admin");
  }

  @Test
  @Order(6)
  void adminUserSecondPasswordAlsoWorks() throws Exception {
    AcrAuthenticator fresh = E2e.authenticator(bed, watch);
    RegistryLogin login = fresh.login(registry,
        CredentialSource.adminUser(testRegistry.adminUsername(), Secret.of(testRegistry.adminPassword2())));
    pushAndInspect(login, "kinds/admin2");
  }

  @Test
  @Order(7)
  void repositoryTokenWithReadWriteScopeMapPushesWithJibAndSkopeoSeesTheSameDigest() throws Exception {
    RepositoryToken token = bed.addRepositoryToken(testRegistry, "kinds-ci-token",
        Map.of("kinds/token", Set.of(RepositoryPermission.CONTENT_READ, RepositoryPermission.CONTENT_WRITE)));
    watch.secret(token.password1(), token.password2());
    RegistryLogin login = acr.login(registry, CredentialSource.repositoryToken(token.name(),
        Secret.of(token.password1())));
    assertFalse(login.isRefreshToken());
    assertEquals(token.name(), login.username());
    pushAndInspect(login, "kinds/token");
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noAuthEventOrMessageOfThisClassContainsASecretOrToken() {
    watch.assertNoSecretLeaked();
  }

  /** The base64 body of the PEM's private key, so a leaked key would be caught too. */
  static String privateKeyBase64(Path pem) throws Exception {
    String text = Files.readString(pem);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < 0) {
      return null;
    }
    String body = text.substring(begin + 27, end).replaceAll("\\s", "");
    return body.substring(0, Math.min(64, body.length()));
  }
}
