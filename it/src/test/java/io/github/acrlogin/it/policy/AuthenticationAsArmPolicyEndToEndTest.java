package io.github.acrlogin.it.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AuthAsArmStatus;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.Audience;
import io.github.acrlogin.auth.AuthenticationAsArmPolicy;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.auth.Reason;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Endpoint;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.TestRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * shared-auth's authentication-as-arm client against the bed's emulated Azure Resource Manager, and what the
 * policy does to logins: once disabled, a login that asks Entra for the ARM audience is refused at the exchange
 * ("arm aad token disallowed") while the default ACR audience keeps working; enabled again, both work.
 */
class AuthenticationAsArmPolicyEndToEndTest {

  private static AcrTestBed bed;
  private static TestRegistry testRegistry;
  private static AzureCloud cloud;
  private static Registry registry;
  private static ServicePrincipal admin;
  private static ServicePrincipal pusher;
  private static ServicePrincipal reader;
  private final List<AuthEvent> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startBed() {
    bed = AcrTestBed.start();
    testRegistry = bed.addRegistry("policyreg", r -> r.resourceGroup("build-rg"));
    // Entra and ARM are the emulator; the ARM audience stays https://management.azure.com, only the endpoint moves.
    cloud = AzureCloud.builder(AzureCloud.PUBLIC).name("TestBed").authorityHost(bed.authorityHost())
        .resourceManagerEndpoint(bed.resourceManagerEndpoint()).build();
    registry = Registry.parse(testRegistry.loginServer(), cloud);
    admin = bed.addServicePrincipal();
    bed.grant(admin, testRegistry, Role.CONTRIBUTOR);
    pusher = bed.addServicePrincipal();
    bed.grant(pusher, testRegistry, Role.ACR_PUSH);
    reader = bed.addServicePrincipal();
    bed.grant(reader, testRegistry, Role.READER);
  }

  @AfterAll
  static void stopBed() {
    if (bed != null) {
      bed.close();
    }
  }

  @AfterEach
  void restoreDefault() {
    bed.setArmPolicy(testRegistry, true);
  }

  // Workaround shared with the e2e tests: Azure Identity takes the authority from AZURE_AUTHORITY_HOST.
  private static Map<String, String> environment() {
    return Map.of("AZURE_AUTHORITY_HOST", bed.authorityHost());
  }

  private AuthenticationAsArmPolicy policy() {
    return AuthenticationAsArmPolicy.builder(authenticator()).build();
  }

  private AcrAuthenticator authenticator() {
    return AcrAuthenticator.builder()
        .http(HttpSettings.builder().sslContext(bed.sslContext()).build())
        .environment(environment())
        .clientName("acr-login-it")
        .listener(events::add)
        .build();
  }

  private static CredentialSource source(ServicePrincipal sp) {
    return CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(sp.requireSecret()));
  }

  private void assertNoSecretInEvents(ServicePrincipal... sps) {
    for (AuthEvent e : events) {
      for (ServicePrincipal sp : sps) {
        assertFalse(e.message().contains(sp.requireSecret()), e.message());
      }
      assertFalse(e.message().matches(".*eyJ[A-Za-z0-9_-]{10,}\\.eyJ.*"), e.message());
    }
  }

  @Test
  void disablingThePolicyRefusesNewArmAudienceLoginsWhileAcrAudienceLoginsKeepWorking() throws Exception {
    AuthenticationAsArmPolicy policy = policy();
    CredentialSource arm = source(pusher).withAudience(Audience.ARM);
    CredentialSource acr = source(pusher);
    AcrAuthenticator before = authenticator();
    assertEquals(AuthAsArmStatus.ENABLED, policy.show(registry, source(admin), bed.subscriptionId(), Optional.empty()));
    RegistryLogin armLogin = before.login(registry, arm);

    long armCalls = bed.counters().count(Endpoint.ARM, admin.clientId());
    assertEquals(AuthAsArmStatus.DISABLED, policy.update(registry, source(admin), bed.subscriptionId(),
        Optional.of("build-rg"), AuthAsArmStatus.DISABLED));
    assertTrue(bed.counters().count(Endpoint.ARM, admin.clientId()) > armCalls, "the change went through ARM");
    assertFalse(testRegistry.armPolicy(), "the PATCH flipped the policy the token service enforces");

    // The policy is checked when an Entra token is exchanged. A refresh token issued before the change stays valid
    // until it expires, so the authenticator that cached one still hands it out...
    assertEquals(armLogin.password(), before.login(registry, arm).password());
    // ...and a new exchange (after invalidate, or in a fresh authenticator) is refused.
    before.invalidate(registry, arm);
    AcrAuthException refused = assertThrows(AcrAuthException.class, () -> before.login(registry, arm));
    assertEquals(Reason.ARM_TOKEN_DISALLOWED, refused.reason());
    assertTrue(refused.getMessage().contains("arm aad token disallowed"), refused.getMessage());
    assertEquals(Reason.ARM_TOKEN_DISALLOWED,
        assertThrows(AcrAuthException.class, () -> authenticator().login(registry, arm)).reason());
    // The default ACR audience is what disabled registries accept.
    assertEquals(RegistryLogin.TOKEN_USERNAME, authenticator().login(registry, acr).username());
    assertEquals(AuthAsArmStatus.DISABLED, policy.show(registry, source(reader),
        bed.subscriptionId(), Optional.empty()));

    assertEquals(AuthAsArmStatus.ENABLED, policy.update(registry, source(admin), bed.subscriptionId(),
        Optional.empty(), AuthAsArmStatus.ENABLED));
    assertTrue(testRegistry.armPolicy());
    assertEquals(RegistryLogin.TOKEN_USERNAME, authenticator().login(registry, arm).username());
    assertNoSecretInEvents(admin, pusher, reader);
  }

  @Test
  void updatingToTheCurrentStatusSendsNoPatch() throws Exception {
    AuthenticationAsArmPolicy policy = policy();
    assertEquals(AuthAsArmStatus.ENABLED, policy.update(registry, source(admin), bed.subscriptionId(),
        Optional.empty(), AuthAsArmStatus.ENABLED));
    assertTrue(events.stream().anyMatch(e -> e.message().contains("is enabled already")), events.toString());
  }

  @Test
  void aRegistryThatTheSubscriptionOrGroupDoesNotHoldIsNotFound() {
    AuthenticationAsArmPolicy policy = policy();
    AcrAuthException absent = assertThrows(AcrAuthException.class, () -> policy.show(
        Registry.parse("nosuchregistry", cloud), source(admin), bed.subscriptionId(), Optional.empty()));
    assertEquals(Reason.REGISTRY_NOT_IN_SUBSCRIPTION, absent.reason());
    assertTrue(absent.getMessage().contains("nosuchregistry.azurecr.io"), absent.getMessage());
    assertTrue(absent.getMessage().contains(bed.subscriptionId()), absent.getMessage());

    String otherSubscription = UUID.randomUUID().toString();
    AcrAuthException subscription = assertThrows(AcrAuthException.class,
        () -> policy.show(registry, source(admin), otherSubscription, Optional.empty()));
    assertEquals(Reason.REGISTRY_NOT_IN_SUBSCRIPTION, subscription.reason());
    assertTrue(subscription.getMessage().contains("SubscriptionNotFound"), subscription.getMessage());

    AcrAuthException group = assertThrows(AcrAuthException.class,
        () -> policy.show(registry, source(admin), bed.subscriptionId(), Optional.of("other-rg")));
    assertEquals(Reason.REGISTRY_NOT_IN_SUBSCRIPTION, group.reason());
    assertTrue(group.getMessage().contains("ResourceGroupNotFound"), group.getMessage());
  }

  @Test
  void dataPlaneRolesCannotReadThePolicyAndReadersCannotChangeIt() throws Exception {
    AuthenticationAsArmPolicy policy = policy();
    AcrAuthException pushOnly = assertThrows(AcrAuthException.class,
        () -> policy.show(registry, source(pusher), bed.subscriptionId(), Optional.empty()));
    assertEquals(Reason.ARM_PERMISSION_DENIED, pushOnly.reason());
    assertTrue(pushOnly.getMessage().contains("Microsoft.ContainerRegistry/registries/read"), pushOnly.getMessage());
    assertTrue(pushOnly.getMessage().contains(pusher.objectId()), "ARM names the client: " + pushOnly.getMessage());

    assertEquals(AuthAsArmStatus.ENABLED, policy.show(registry, source(reader), bed.subscriptionId(), Optional.empty()));
    AcrAuthException readOnly = assertThrows(AcrAuthException.class, () -> policy.update(registry, source(reader),
        bed.subscriptionId(), Optional.empty(), AuthAsArmStatus.DISABLED));
    assertEquals(Reason.ARM_PERMISSION_DENIED, readOnly.reason());
    assertTrue(readOnly.getMessage().contains("Fix: give the identity Microsoft.ContainerRegistry/registries/write"
        + " (e.g. Contributor)"), readOnly.getMessage());
    assertTrue(testRegistry.armPolicy(), "nothing changed");
    assertNoSecretInEvents(pusher, reader);
  }
}
