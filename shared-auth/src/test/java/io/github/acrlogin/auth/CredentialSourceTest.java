package io.github.acrlogin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CredentialSourceTest {

  static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  static final String CLIENT = "1b2c3d4e-0000-1111-2222-333344445555";

  @Test
  void servicePrincipalReportsEveryProblemAtOnce() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CredentialSource.servicePrincipal("not a tenant", "nope", (Secret) null));
    String m = e.getMessage();
    assertTrue(m.startsWith("Invalid service principal with secret: "), m);
    assertTrue(m.contains("tenant id 'not a tenant' is neither a GUID nor a domain"), m);
    assertTrue(m.contains("client id 'nope' is not a GUID"), m);
    assertTrue(m.contains("client secret is missing"), m);
  }

  @Test
  void tenantMayBeADomain() {
    CredentialSource s = CredentialSource.servicePrincipal("contoso.onmicrosoft.com", CLIENT, Secret.of("x"));
    assertEquals("contoso.onmicrosoft.com", s.tenantId().orElseThrow());
    assertEquals(Audience.ACR, s.audience());
  }

  @Test
  void managedIdentityByResourceIdIsValidated() {
    String rid = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1";
    CredentialSource s = CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.RESOURCE_ID, rid);
    assertEquals(rid, s.managedIdentityValue().orElseThrow());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.RESOURCE_ID, "/subscriptions/x"));
    assertTrue(e.getMessage().contains("userAssignedIdentities"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.CLIENT_ID, "abc"));
  }

  @Test
  void toStringNamesTheIdentityButNotTheSecret() {
    CredentialSource sp = CredentialSource.servicePrincipal(TENANT, CLIENT, Secret.of("s3cr3t-value"));
    assertEquals("service principal with secret " + CLIENT + " (tenant " + TENANT + ")", sp.toString());
    assertEquals("managed identity (system-assigned)", CredentialSource.managedIdentity().toString());
    assertEquals("admin user 'myregistry'", CredentialSource.adminUser("myregistry", Secret.of("pw")).toString());
    assertTrue(sp.withAudience(Audience.ARM).toString().endsWith("[ARM audience]"));
  }

  @Test
  void cacheKeySeparatesSecretsAndAudiencesWithoutContainingThem() {
    CredentialSource a = CredentialSource.servicePrincipal(TENANT, CLIENT, Secret.of("first-secret"));
    CredentialSource b = CredentialSource.servicePrincipal(TENANT, CLIENT, Secret.of("second-secret"));
    CredentialSource a2 = CredentialSource.servicePrincipal(TENANT, CLIENT, Secret.of("first-secret"));
    assertNotEquals(a.cacheKey(), b.cacheKey(), "a wrong secret must never reuse another job's tokens");
    assertEquals(a.cacheKey(), a2.cacheKey());
    assertNotEquals(a.cacheKey(), a.withAudience(Audience.ARM).cacheKey());
    assertTrue(!a.cacheKey().contains("first-secret"));
  }

  @Test
  void basicSourcesHaveNoAudience() {
    CredentialSource token = CredentialSource.repositoryToken("ci-token", Secret.of("pw"));
    assertTrue(token.kind().isBasic());
    assertThrows(IllegalArgumentException.class, () -> token.withAudience(Audience.ARM));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CredentialSource.repositoryToken("bad name!", null));
    assertTrue(e.getMessage().contains("token name 'bad name!'") && e.getMessage().contains("password is missing"));
  }

  @Test
  void workloadIdentityNeedsItsFile() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CredentialSource.workloadIdentity(TENANT, CLIENT, (Path) null));
    assertTrue(e.getMessage().contains("federated token file is missing"));
  }
}
