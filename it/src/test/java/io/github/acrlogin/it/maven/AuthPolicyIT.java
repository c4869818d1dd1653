package io.github.acrlogin.it.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Endpoint;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real {@code mvn} runs of {@code acr:auth-policy} and {@code acr:verify-auth-policy} against the test bed's emulated
 * Azure Resource Manager, whose policy property drives the emulated token service: once the goal disables
 * authentication-as-arm, an ARM-audience {@code acr:login} is refused ("arm aad token disallowed") while the default
 * ACR-audience {@code acr:push} keeps working. Each test has its own registry, so their order does not matter.
 */
class AuthPolicyIT {

  static AcrTestBed bed;
  static ServicePrincipal admin;
  static ServicePrincipal pusher;
  static int registries;

  @BeforeAll
  static void startBed() throws Exception {
    Files.createDirectories(AcrMavenPluginIT.WORK);
    bed = AcrTestBed.start();
    admin = bed.addServicePrincipal();
    pusher = bed.addServicePrincipal();
    AcrMavenPluginIT.writeGroupMetadata(); // the acr prefix without a project (pluginGroups)
  }

  @AfterAll
  static void stopBed() throws java.io.IOException {
    if (bed != null) {
      bed.close();
    }
    AcrMavenPluginIT.deleteWork();
  }

  /** A fresh registry (authentication-as-arm enabled, Azure's default): Contributor for admin, AcrPush for pusher. */
  private static synchronized TestRegistry newRegistry() {
    TestRegistry r = bed.addRegistry("policyit" + (++registries));
    bed.grant(admin, r, Role.CONTRIBUTOR).grant(pusher, r, Role.ACR_PUSH);
    return r;
  }

  @Test
  void showsTheStatus() throws Exception {
    TestRegistry reg = newRegistry();
    bed.counters().reset();
    MavenRun.Result r = mvn(reg, admin).goals("acr:auth-policy").in(null, "policy-show");
    assertTrue(r.succeeded(), r::toString);
    assertTrue(r.log().contains("Authentication-as-arm of " + reg.loginServer() + ": enabled"), r::toString);
    assertTrue(r.log().contains("recommended: disabled"), r::toString);
    assertTrue(bed.counters().count(Endpoint.ARM) >= 2, () -> "ARM list and get: " + bed.counters());
    assertFalse(r.log().contains(admin.requireSecret()));
    assertFalse(r.log().contains("eyJ"), "no token in the log");
  }

  @Test
  void disablingItRefusesArmAudienceLoginsWhileAcrAudiencePushesKeepWorking() throws Exception {
    TestRegistry reg = newRegistry();
    MavenRun.Result armBefore = mvn(reg, pusher).goals("acr:login").property("acr.audience", "arm")
        .property("acr.dockerConfig", AcrMavenPluginIT.WORK.resolve("policy-docker-before").toString())
        .in(null, "policy-arm-login-before");
    assertTrue(armBefore.succeeded(), "ARM audience accepted while enabled: " + armBefore);

    MavenRun.Result update = mvn(reg, admin).goals("acr:auth-policy").property("acr.authAsArm", "disabled")
        .in(null, "policy-disable");
    assertTrue(update.succeeded(), update::toString);
    assertTrue(update.log().contains("changed from enabled to disabled"), update::toString);
    assertTrue(update.log().contains("Authentication-as-arm of " + reg.loginServer() + ": disabled"), update::toString);

    MavenRun.Result again = mvn(reg, admin).goals("acr:auth-policy").property("acr.authAsArm", "DISABLED")
        .in(null, "policy-disable-again");
    assertTrue(again.succeeded() && again.log().contains("disabled already"), again::toString);

    MavenRun.Result armAfter = mvn(reg, pusher).goals("acr:login").property("acr.audience", "arm")
        .property("acr.dockerConfig", AcrMavenPluginIT.WORK.resolve("policy-docker-after").toString())
        .in(null, "policy-arm-login-after");
    assertFalse(armAfter.succeeded(), armAfter::toString);
    assertTrue(armAfter.log().contains("arm aad token disallowed")
        && armAfter.log().contains("use the default ACR audience"), armAfter::toString);

    MavenRun.Result push = mvn(reg, pusher).goals("compile", "acr:push").property("acr.repository", "policy/hello")
        .in(AcrMavenPluginIT.PROJECTS.resolve("hello"), "policy-acr-push-after");
    assertTrue(push.succeeded(), push::toString);
    assertTrue(push.log().contains("Digest: sha256:"), push::toString);
  }

  @Test
  void verifyFailsWhileArmTokensAreAcceptedAndPassesOnceDisabled() throws Exception {
    TestRegistry reg = newRegistry();
    MavenRun.Result fail = mvn(reg, admin).goals("acr:verify-auth-policy").in(null, "policy-verify-fail");
    assertFalse(fail.succeeded(), fail::toString);
    assertTrue(fail.log().contains("has authentication-as-arm enabled but disabled is expected"), fail::toString);
    assertTrue(fail.log().contains("Fix: mvn acr:auth-policy -Dacr.authAsArm=disabled or az acr config"
        + " authentication-as-arm update -r " + reg.loginServer() + " --status disabled"), fail::toString);
    assertFalse(fail.log().contains("\tat "), "no stack trace: " + fail);

    MavenRun.Result expectEnabled = mvn(reg, admin).goals("acr:verify-auth-policy")
        .property("acr.expectAuthAsArm", "enabled").in(null, "policy-verify-expect-enabled");
    assertTrue(expectEnabled.succeeded(), expectEnabled::toString);

    bed.setArmPolicy(reg, false);
    MavenRun.Result pass = mvn(reg, admin).goals("acr:verify-auth-policy").in(null, "policy-verify-pass");
    assertTrue(pass.succeeded(), pass::toString);
    assertTrue(pass.log().contains("is disabled, as expected"), pass::toString);
  }

  @Test
  void dataPlaneRoleCannotReadThePolicyAndTheRemedyNamesTheReadPermission() throws Exception {
    TestRegistry reg = newRegistry();
    MavenRun.Result r = mvn(reg, pusher).goals("acr:auth-policy").in(null, "policy-no-permission");
    assertFalse(r.succeeded(), r::toString);
    assertTrue(r.log().contains("Microsoft.ContainerRegistry/registries/read"), r::toString);
    assertTrue(r.log().contains("BUILD FAILURE"));
    assertFalse(r.log().contains("\tat "), "no stack trace: " + r);
  }

  @Test
  void invalidSubscriptionIdNamesTheElement() throws Exception {
    TestRegistry reg = newRegistry();
    bed.counters().reset();
    MavenRun.Result r = mvn(reg, admin).goals("acr:verify-auth-policy").property("acr.subscriptionId", "my-sub")
        .in(null, "policy-bad-subscription");
    assertFalse(r.succeeded(), r::toString);
    assertTrue(r.log().contains("<subscriptionId> (acr.subscriptionId) 'my-sub' is not a subscription id"),
        r::toString);
    assertEquals(0, bed.counters().count(Endpoint.ENTRA_TOKEN), "no network call for a bad configuration");
  }

  // ------------------------------------------------------------------ helpers

  /** A run with {@code identity}'s encrypted secret in settings.xml and the bed's registry, Entra and ARM. */
  private static MavenRun mvn(TestRegistry reg, ServicePrincipal identity) throws Exception {
    Path security = AcrMavenPluginIT.WORK.resolve("settings-security.xml");
    if (!Files.exists(security)) {
      Files.writeString(security, "<settingsSecurity><master>"
          + AcrMavenPluginIT.cipher(AcrMavenPluginIT.MASTER_PASSWORD, "settings.security")
          + "</master></settingsSecurity>");
    }
    Path file = Files.createTempFile(AcrMavenPluginIT.WORK, "settings-policy-", ".xml");
    Files.writeString(file, AcrMavenPluginIT.settings(AcrMavenPluginIT.server(reg.loginServer(), identity.clientId(),
        AcrMavenPluginIT.encrypt(identity.requireSecret())))
        .replace("<servers>", "<pluginGroups><pluginGroup>io.github.acrlogin</pluginGroup></pluginGroups><servers>"));
    return new MavenRun(AcrMavenPluginIT.WORK, AcrMavenPluginIT.LOCAL_REPO, bed.trustStore(), bed.trustStorePassword())
        .settings(file)
        .property("settings.security", security.toString())
        .property("acr.plugin.version", AcrMavenPluginIT.PLUGIN_VERSION)
        .property("acr.registry", reg.loginServer())
        .property("acr.authorityHost", bed.authorityHost())
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", identity.tenantId())
        .property("acr.subscriptionId", bed.subscriptionId())
        .property("acr.resourceManagerEndpoint", bed.resourceManagerEndpoint());
  }
}
