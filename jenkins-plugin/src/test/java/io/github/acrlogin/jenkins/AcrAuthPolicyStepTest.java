package io.github.acrlogin.jenkins;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudbees.plugins.credentials.CredentialsScope;
import hudson.model.Result;
import hudson.slaves.DumbSlave;
import hudson.util.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.ManagedIdentity;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.TestRegistry;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.cps.SnippetizerTester;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * acrAuthPolicy in real Pipelines against the test bed's emulated Azure Resource Manager: it returns the status,
 * changes it, gates the build with one line naming the fix, and turns ARM refusals into one-line failures.
 */
@WithJenkins
class AcrAuthPolicyStepTest {

  private static AcrTestBed bed;
  private static TestRegistry registry;
  private static ServicePrincipal admin;
  private static ServicePrincipal pusher;
  private JenkinsRule j;

  @BeforeAll
  static void startBed() {
    bed = TestBedSupport.bed();
    Authenticators.overrideResourceManagerEndpointForTests(bed.resourceManagerEndpoint());
    registry = bed.addRegistry("policyjenkins" + System.nanoTime() % 100000);
    admin = bed.addServicePrincipal();
    bed.grant(admin, registry, Role.CONTRIBUTOR);
    pusher = bed.addServicePrincipal();
    bed.grant(pusher, registry, Role.ACR_PUSH);
  }

  @BeforeEach
  void setUp(JenkinsRule j) throws Exception {
    this.j = j;
    TestBedSupport.addGlobal(credentials("admin", admin));
    TestBedSupport.addGlobal(credentials("pusher", pusher));
  }

  @AfterEach
  void restore() {
    bed.setArmPolicy(registry, true);
  }

  private static AcrServicePrincipalCredentials credentials(String id, ServicePrincipal sp) {
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, id, null,
        sp.tenantId(), sp.clientId());
    c.setClientSecret(Secret.fromString(sp.requireSecret()));
    return c;
  }

  private String step(String credentialsId, String extra) {
    return "acrAuthPolicy(registry: '" + registry.loginServer() + "', credentialsId: '" + credentialsId
        + "', subscriptionId: '" + bed.subscriptionId() + "'" + extra + ")";
  }

  private WorkflowRun run(String name, String script, Result expected) throws Exception {
    WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, name);
    p.setDefinition(new CpsFlowDefinition(script, true));
    return j.assertBuildStatus(expected, p.scheduleBuild2(0));
  }

  @Test
  void returnsTheStatusAndUpdatesIt() throws Exception {
    WorkflowRun b = run("show-and-update",
        "def before = " + step("admin", "") + "\n"
            + "echo \"before=${before}\"\n"
            + "def after = " + step("admin", ", resourceGroup: '" + registry.resourceGroup() + "', update: 'disabled'")
            + "\n"
            + "echo \"after=${after}\"\n",
        Result.SUCCESS);

    j.assertLogContains("before=enabled", b);
    j.assertLogContains("after=disabled", b);
    j.assertLogContains("acrAuthPolicy: authentication-as-arm of " + registry.loginServer() + " is disabled", b);
    j.assertLogNotContains(admin.requireSecret(), b);
    assertFalse(registry.armPolicy(), "the step changed the policy the token service enforces");
  }

  @Test
  void failIfArmEnabledFailsTheBuildWithOneLineNamingTheFix() throws Exception {
    WorkflowRun b = run("gate", step("admin", ", failIfArmEnabled: true"), Result.FAILURE);

    j.assertLogContains("Registry " + registry.loginServer() + " accepts ARM-audience tokens"
        + " (authentication-as-arm is enabled). Fix: acrAuthPolicy(", b);
    j.assertLogContains("update: 'disabled') or az acr config authentication-as-arm update -r ", b);
    j.assertLogNotContains("\tat io.github.acrlogin", b); // an AbortException: no stack trace
  }

  @Test
  void theGatePassesOnceTheUpdateDisabledIt() throws Exception {
    WorkflowRun b = run("gate-after-update",
        "echo \"status=${" + step("admin", ", update: 'disabled', failIfArmEnabled: true") + "}\"", Result.SUCCESS);
    j.assertLogContains("status=disabled", b);
  }

  @Test
  void aDataPlaneRoleIsRefusedWithTheMissingPermissionNamed() throws Exception {
    WorkflowRun b = run("no-permission", step("pusher", ""), Result.FAILURE);
    j.assertLogContains("authentication-as-arm show failed for " + registry.loginServer(), b);
    j.assertLogContains("Microsoft.ContainerRegistry/registries/read (e.g. Reader)", b);
    j.assertLogNotContains(pusher.requireSecret(), b);
    assertTrue(registry.armPolicy());
  }

  @Test
  void userErrorsFailBeforeAnyCall() throws Exception {
    long before = bed.counters().total();
    WorkflowRun badUpdate = run("bad-update", step("admin", ", update: 'off'"), Result.FAILURE);
    j.assertLogContains("acrAuthPolicy: update: Unknown authentication-as-arm status 'off': use enabled or disabled",
        badUpdate);
    WorkflowRun badSubscription = run("bad-subscription",
        "acrAuthPolicy(registry: 'myregistry', credentialsId: 'admin', subscriptionId: 'prod')", Result.FAILURE);
    j.assertLogContains("acrAuthPolicy: subscriptionId 'prod' is not a subscription id (a GUID)", badSubscription);
    assertTrue(bed.counters().total() == before, "nothing was sent");
  }

  @Test
  void aManagedIdentityCallsArmFromTheAgent() throws Exception {
    ManagedIdentity mi = bed.systemAssignedIdentity();
    bed.grant(mi, registry, Role.READER);
    TestBedSupport.addGlobal(new AcrManagedIdentityCredentials(CredentialsScope.GLOBAL, "mi-policy", null));
    DumbSlave agent = j.createSlave("azure-vm-policy", "azure-policy", TestBedSupport.agentEnvironment());
    j.waitOnline(agent);

    WorkflowRun b = run("mi-policy", "node('azure-policy') { echo \"status=${" + step("mi-policy", "") + "}\" }",
        Result.SUCCESS);
    j.assertLogContains("status=enabled", b);
  }

  @Test
  void snippetRoundTrip() throws Exception {
    SnippetizerTester st = new SnippetizerTester(j);
    AcrAuthPolicyStep s = new AcrAuthPolicyStep("myregistry", "azure", "2f1c7a9e-0d3b-4c55-9a8e-5b6d7e8f9a0b");
    st.assertRoundTrip(s,
        "acrAuthPolicy credentialsId: 'azure', registry: 'myregistry', subscriptionId: '2f1c7a9e-0d3b-4c55-9a8e-5b6d7e8f9a0b'");
    s.setResourceGroup("build-rg");
    s.setUpdate("disabled");
    s.setFailIfArmEnabled(true);
    st.assertRoundTrip(s, "acrAuthPolicy credentialsId: 'azure', failIfArmEnabled: true, registry: 'myregistry',"
        + " resourceGroup: 'build-rg', subscriptionId: '2f1c7a9e-0d3b-4c55-9a8e-5b6d7e8f9a0b', update: 'disabled'");
  }
}
