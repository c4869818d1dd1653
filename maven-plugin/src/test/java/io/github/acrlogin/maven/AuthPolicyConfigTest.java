package io.github.acrlogin.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AuthAsArmStatus;
import io.github.acrlogin.auth.AuthenticationAsArmPolicy;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Secret;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthPolicyConfigTest {

  static final String SUBSCRIPTION = "0B1F6471-1BF0-4DDA-AEC3-CB9272F09590";

  private static String problem(org.junit.jupiter.api.function.Executable e) {
    return assertThrows(ConfigurationProblem.class, e).getMessage();
  }

  @Test
  void missingSubscriptionNamesTheElementAndProperty() {
    String m = problem(() -> AuthPolicyConfig.subscriptionId(null));
    assertTrue(m.contains("<subscriptionId>") && m.contains("acr.subscriptionId"), m);
    assertTrue(problem(() -> AuthPolicyConfig.subscriptionId("  ")).contains("<subscriptionId>"));
  }

  @Test
  void subscriptionNameInsteadOfGuidIsRefused() {
    String m = problem(() -> AuthPolicyConfig.subscriptionId("Pay-As-You-Go"));
    assertTrue(m.startsWith("<subscriptionId> (acr.subscriptionId) 'Pay-As-You-Go' is not a subscription id"), m);
    assertTrue(m.contains("az account show --query id"), m);
  }

  @Test
  void subscriptionGuidIsTrimmedAndLowercased() throws Exception {
    assertEquals(SUBSCRIPTION.toLowerCase(), AuthPolicyConfig.subscriptionId(" " + SUBSCRIPTION + " "));
  }

  @Test
  void resourceGroupIsOptionalAndValidated() throws Exception {
    assertEquals(Optional.empty(), AuthPolicyConfig.resourceGroup(null));
    assertEquals(Optional.of("build-rg(1).x"), AuthPolicyConfig.resourceGroup(" build-rg(1).x "));
    assertTrue(problem(() -> AuthPolicyConfig.resourceGroup("rg."))
        .startsWith("<resourceGroup> (acr.resourceGroup) 'rg.'"));
    assertTrue(problem(() -> AuthPolicyConfig.resourceGroup("my/rg")).contains("<resourceGroup>"));
  }

  /** shared-auth's own builder, as the goals use it. */
  static final AuthPolicyConfig.PolicyFactory FACTORY = (version, endpoint) -> AuthenticationAsArmPolicy
      .builder(AcrAuthenticator.builder().environment(Map.of()).build())
      .apiVersion(version)
      .resourceManagerEndpoint(endpoint)
      .build();

  @Test
  void apiVersionDefaultsAndIsValidatedByTheSharedBuilder() throws Exception {
    assertEquals(AuthenticationAsArmPolicy.DEFAULT_API_VERSION,
        AuthPolicyConfig.policy(FACTORY, null, null).apiVersion());
    assertEquals("2023-11-01-preview", AuthPolicyConfig.policy(FACTORY, " 2023-11-01-preview ", null).apiVersion());
    String m = problem(() -> AuthPolicyConfig.policy(FACTORY, "latest", null));
    assertTrue(m.startsWith("<armApiVersion> (acr.armApiVersion) 'latest'"), m);
    m = problem(() -> AuthPolicyConfig.policy(FACTORY, "latest", "not a url"));
    assertTrue(m.startsWith("<armApiVersion> (acr.armApiVersion) 'latest'"), m);
  }

  @Test
  void resourceManagerEndpointMustBeAUrlWithoutPath() throws Exception {
    Registry registry = Registry.parse("myregistry");
    assertEquals("https://management.azure.com",
        AuthPolicyConfig.policy(FACTORY, null, "").resourceManagerEndpoint(registry));
    assertEquals("https://127.0.0.1:8443",
        AuthPolicyConfig.policy(FACTORY, null, "https://127.0.0.1:8443/").resourceManagerEndpoint(registry));
    for (String bad : new String[] {"management.azure.com", "ftp://x", "https://x/subscriptions", "https://x?a=b"}) {
      String m = problem(() -> AuthPolicyConfig.policy(FACTORY, null, bad));
      assertTrue(m.startsWith("<resourceManagerEndpoint> (acr.resourceManagerEndpoint) '" + bad + "'"), m);
    }
  }

  @Test
  void statusParametersAcceptEnabledAndDisabledAndNameTheirElement() throws Exception {
    assertEquals(Optional.empty(), AuthPolicyConfig.status(null, "authAsArm", "acr.authAsArm"));
    assertEquals(Optional.of(AuthAsArmStatus.DISABLED), AuthPolicyConfig.status(" Disabled ", "authAsArm", "acr.authAsArm"));
    assertEquals(Optional.of(AuthAsArmStatus.ENABLED),
        AuthPolicyConfig.status("enabled", "expectAuthAsArm", "acr.expectAuthAsArm"));
    String m = problem(() -> AuthPolicyConfig.status("off", "authAsArm", "acr.authAsArm"));
    assertTrue(m.startsWith("<authAsArm> (acr.authAsArm) 'off' is not valid") && m.contains("disabled"), m);
    m = problem(() -> AuthPolicyConfig.status("true", "expectAuthAsArm", "acr.expectAuthAsArm"));
    assertTrue(m.startsWith("<expectAuthAsArm> (acr.expectAuthAsArm)"), m);
  }

  @Test
  void basicCredentialsCannotCallResourceManager() throws Exception {
    String m = problem(() -> AuthPolicyConfig.requireEntraIdentity(
        CredentialSource.adminUser("myregistry", Secret.of("p4ssw0rd-value"))));
    assertTrue(m.startsWith("<auth><method> (acr.auth.method)") && m.contains("Microsoft Entra identity"), m);
    AuthPolicyConfig.requireEntraIdentity(CredentialSource.azureCli());
  }

  @Test
  void mismatchIsOneLineWithBothFixes() {
    String m = VerifyAuthPolicyMojo.mismatch("myregistry.azurecr.io", "myregistry", AuthAsArmStatus.ENABLED,
        AuthAsArmStatus.DISABLED);
    assertTrue(!m.contains("\n"), m);
    assertTrue(m.contains("has authentication-as-arm enabled but disabled is expected"), m);
    assertTrue(m.contains("Fix: mvn acr:auth-policy -Dacr.authAsArm=disabled or az acr config"
        + " authentication-as-arm update -r myregistry --status disabled"), m);
  }
}
