package io.github.acrlogin.it.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.JibContainer;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.Audience;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Reason;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Endpoint;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.Skopeo;
import io.github.acrlogin.it.TestRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The authentication-as-arm policy (seeds 000/001): a registry with {@code azureADAuthenticationAsArmPolicy}
 * disabled accepts the ACR audience that shared-auth asks for by default, and rejects an explicitly requested
 * ARM audience with an explanation of the policy and its fix; a registry with the policy enabled accepts both.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthenticationAsArmEndToEndTest {
  static AcrTestBed bed;
  static TestRegistry armDisabled;
  static TestRegistry armEnabled;
  static ServicePrincipal sp;
  static CredentialSource acrAudience;
  static AcrAuthenticator acr;
  static SecretWatch watch = new SecretWatch();
  static Skopeo skopeo;

  @BeforeAll
  static void start() throws Exception {
    bed = AcrTestBed.start();
    E2e.trustBedForJib(bed);
    armDisabled = bed.addRegistry("armdisabled", r -> r.armPolicy(false));
    armEnabled = bed.addRegistry("armenabled", r -> r.armPolicy(true));
    sp = bed.addServicePrincipal();
    bed.grant(sp, armDisabled, Role.ACR_PUSH).grant(sp, armEnabled, Role.ACR_PUSH);
    watch.secret(sp.requireSecret());
    acrAudience = CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(sp.requireSecret()));
    acr = E2e.authenticator(bed, watch);
    skopeo = new Skopeo(bed.workDir());
  }

  @AfterAll
  static void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  private static void pushAndInspect(TestRegistry registry, RegistryLogin login, String repository)
      throws Exception {
    E2e.Creds creds = E2e.Creds.of(login);
    watch.secret(creds.password());
    String image = registry.loginServer() + "/" + repository + ":1.0";
    JibContainer pushed = E2e.push(bed, image, creds);
    assertEquals(pushed.getDigest().toString(), E2e.skopeoDigest(skopeo, bed, image, creds));
  }

  @Test
  @Order(1)
  void defaultAcrAudienceLogsInAndPushesToARegistryWithAuthenticationAsArmDisabled() throws Exception {
    assertEquals(Audience.ACR, acrAudience.audience());
    RegistryLogin login = acr.login(E2e.registry(bed, armDisabled), acrAudience);
    assertTrue(login.isRefreshToken());
    pushAndInspect(armDisabled, login, "arm/acr-audience");
  }

  @Test
  @Order(2)
  void explicitArmAudienceIsRejectedByARegistryWithAuthenticationAsArmDisabledWithTheExplanation() {
    CredentialSource arm = acrAudience.withAudience(Audience.ARM);
    long exchangesBefore = bed.counters().count(Endpoint.ACR_EXCHANGE, sp.clientId());
    AcrAuthException e = watch.thrown(assertThrows(AcrAuthException.class,
        () -> acr.login(E2e.registry(bed, armDisabled), arm)));
    assertEquals(Reason.ARM_TOKEN_DISALLOWED, e.reason(), e.getMessage());
    String message = e.getMessage();
    assertTrue(message.contains("arm aad token disallowed"), message);
    assertTrue(message.contains("authentication-as-arm policy is disabled"), message);
    assertTrue(message.contains("use the default ACR audience"), message);
    assertTrue(message.contains(armDisabled.loginServer()), "names the registry: " + message);
    assertTrue(!message.contains("\n"), "one line");
    assertEquals(exchangesBefore + 1, bed.counters().count(Endpoint.ACR_EXCHANGE, sp.clientId()),
        "a policy refusal is final: not retried");
  }

  @Test
  @Order(3)
  void explicitArmAudienceLogsInAndPushesToARegistryWithThePolicyEnabled() throws Exception {
    RegistryLogin login = acr.login(E2e.registry(bed, armEnabled), acrAudience.withAudience(Audience.ARM));
    assertTrue(login.isRefreshToken());
    pushAndInspect(armEnabled, login, "arm/arm-audience");
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noAuthEventOrMessageOfThisClassContainsASecretOrToken() {
    watch.assertNoSecretLeaked();
  }
}
