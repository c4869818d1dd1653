package io.github.acrlogin.it.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Reason;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Scope;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.Skopeo;
import io.github.acrlogin.it.TestRegistry;
import io.github.acrlogin.it.WorkloadIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What a user reads when a login cannot work: each failure surfaces as an {@link AcrAuthException} with the
 * right {@link Reason}, what failed, why and what to do, on one line and without any secret; and an identity
 * that may only pull cannot push, neither through shared-auth nor with Jib.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ErrorRemediesEndToEndTest {
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
    testRegistry = bed.addRegistry("remedies", r -> r.adminUser(true));
    registry = E2e.registry(bed, testRegistry);
    acr = E2e.authenticator(bed, watch);
    skopeo = new Skopeo(bed.workDir());
    watch.secret(testRegistry.adminPassword(), testRegistry.adminPassword2());
  }

  @AfterAll
  static void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  private static AcrAuthException loginFails(CredentialSource source) {
    AcrAuthException e = watch.thrown(assertThrows(AcrAuthException.class, () -> acr.login(registry, source)));
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    assertTrue(e.getMessage().contains(testRegistry.loginServer()), "names the registry: " + e.getMessage());
    return e;
  }

  @Test
  @Order(1)
  void wrongClientSecretFailsWithAadsts7000215AndTheRemedyAndNoSecretText() {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, testRegistry, Role.ACR_PUSH);
    String wrong = "Wr0ng~" + sp.requireSecret().substring(6);
    watch.secret(sp.requireSecret(), wrong);
    AcrAuthException e = loginFails(
        CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(wrong)));
    assertEquals(Reason.WRONG_CLIENT_SECRET, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("AADSTS7000215"), e.getMessage());
    assertTrue(e.getMessage().contains(Reason.WRONG_CLIENT_SECRET.remedy()), e.getMessage());
    assertTrue(e.getMessage().contains(sp.clientId()), "names the client id: " + e.getMessage());
    assertFalse(e.getMessage().contains(wrong) || e.getMessage().contains(sp.requireSecret()), e.getMessage());
  }

  @Test
  @Order(2)
  void expiredFederatedAssertionFailsWithAssertionExpired() throws Exception {
    WorkloadIdentity wi = bed.addWorkloadIdentity("system:serviceaccount:builds:late");
    bed.grant(wi, testRegistry, Role.ACR_PUSH);
    Path expired = bed.federatedToken(wi, Duration.ofMinutes(-10));
    watch.secret(Files.readString(expired).trim());
    AcrAuthException e = loginFails(CredentialSource.workloadIdentity(wi.tenantId(), wi.clientId(), expired));
    assertEquals(Reason.ASSERTION_EXPIRED, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("AADSTS700024"), e.getMessage());
    assertTrue(e.getMessage().contains(Reason.ASSERTION_EXPIRED.remedy()), e.getMessage());
  }

  @Test
  @Order(3)
  void identityWithoutAnyRoleOnTheRegistryFailsWithMissingRoleAndIsToldWhichRoles() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal();
    watch.secret(sp.requireSecret());
    CredentialSource source =
        CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(sp.requireSecret()));
    // The exchange needs no role; the first access token does, and that is where it fails.
    RegistryLogin login = acr.login(registry, source);
    watch.secret(login.password().reveal());
    AcrAuthException e = watch.thrown(assertThrows(AcrAuthException.class,
        () -> acr.accessToken(registry, source, List.of(Scope.pull("remedies/app")))));
    assertEquals(Reason.MISSING_ROLE, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("retrieving permissions failed"), e.getMessage());
    assertTrue(e.getMessage().contains("AcrPull") && e.getMessage().contains("AcrPush"), e.getMessage());
  }

  @Test
  @Order(4)
  void wrongAdminPasswordFailsWithBadPassword() {
    String wrong = testRegistry.adminPassword().substring(1) + "x";
    watch.secret(wrong);
    AcrAuthException e = loginFails(CredentialSource.adminUser(testRegistry.adminUsername(), Secret.of(wrong)));
    assertEquals(Reason.BAD_PASSWORD, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(Reason.BAD_PASSWORD.remedy()), e.getMessage());
    assertFalse(e.getMessage().contains(wrong), e.getMessage());
  }

  @Test
  @Order(5)
  void pullOnlyIdentityIsRefusedAPushTokenNamingAcrPushAndItsJibPushFails() throws Exception {
    ServicePrincipal puller = bed.addServicePrincipal();
    bed.grant(puller, testRegistry, Role.ACR_PULL);
    watch.secret(puller.requireSecret());
    CredentialSource source =
        CredentialSource.servicePrincipal(puller.tenantId(), puller.clientId(), Secret.of(puller.requireSecret()));
    RegistryLogin login = acr.login(registry, source);
    watch.secret(login.password().reveal());

    assertTrue(acr.accessToken(registry, source, List.of(Scope.pull("remedies/app"))).scopes()
        .contains(Scope.pull("remedies/app")), "pulling is allowed");
    AcrAuthException e = watch.thrown(assertThrows(AcrAuthException.class,
        () -> acr.accessToken(registry, source, List.of(Scope.push("remedies/app")))));
    assertEquals(Reason.INSUFFICIENT_SCOPE, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("AcrPush"), "names the role to assign: " + e.getMessage());
    assertTrue(e.getMessage().contains("repository:remedies/app:pull,push"), "names the scope: " + e.getMessage());

    E2e.Creds creds = E2e.Creds.of(login);
    String image = testRegistry.loginServer() + "/remedies/app:1.0";
    Exception jib = assertThrows(Exception.class, () -> E2e.push(bed, image, creds));
    watch.text(jib.toString());
    Skopeo.Result inspect = skopeo.run("inspect", "--cert-dir", bed.certDir().toString(), "--creds",
        testRegistry.adminUsername() + ":" + testRegistry.adminPassword(), "docker://" + image);
    assertTrue(inspect.exit() != 0 && inspect.output().contains("manifest unknown"),
        "nothing was pushed: " + E2e.masked(inspect.output(), testRegistry.adminPassword()));
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noAuthEventOrMessageOfThisClassContainsASecretOrToken() {
    watch.assertNoSecretLeaked();
  }
}
