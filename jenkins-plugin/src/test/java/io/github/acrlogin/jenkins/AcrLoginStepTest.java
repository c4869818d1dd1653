package io.github.acrlogin.jenkins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.CredentialsStore;
import com.cloudbees.plugins.credentials.SecretBytes;
import com.cloudbees.plugins.credentials.domains.Domain;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.model.Computer;
import hudson.model.Item;
import hudson.model.Result;
import hudson.model.User;
import hudson.security.ACL;
import hudson.security.ACLContext;
import hudson.slaves.DumbSlave;
import hudson.util.Secret;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.CredentialSource.ManagedIdentityId;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.ManagedIdentity;
import io.github.acrlogin.it.RepositoryPermission;
import io.github.acrlogin.it.RepositoryToken;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.TestRegistry;
import io.github.acrlogin.it.TinyImage;
import io.github.acrlogin.it.WorkloadIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import jenkins.model.Jenkins;
import jenkins.security.QueueItemAuthenticatorConfiguration;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.cps.SnippetizerTester;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;
import org.jvnet.hudson.test.MockQueueItemAuthenticator;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * acrLogin, acrToken and withAcrToken in real Pipelines against the ACR test bed: every credential kind pushes
 * with skopeo through the written config, tokens never reach the log, the config is gone afterwards.
 */
@WithJenkins
class AcrLoginStepTest {

  /** Checks the file, prints it and its decoded auth (to prove masking), pushes and reads back with skopeo. */
  private static final String PUSH_AND_CHECK = "sh '''\n"
      + "  set -eu\n"
      + "  test \"$(stat -c %a \"$REGISTRY_AUTH_FILE\")\" = 600\n"
      + "  test \"$DOCKER_CONFIG/config.json\" = \"$REGISTRY_AUTH_FILE\"\n"
      + "  cat \"$REGISTRY_AUTH_FILE\"\n"
      + "  grep -o '\"auth\" *: *\"[^\"]*\"' \"$REGISTRY_AUTH_FILE\" | cut -d'\"' -f4 | base64 -d; echo\n"
      + "  skopeo copy --preserve-digests --dest-cert-dir \"$CERTS\" \"dir:$IMG\""
      + " \"docker://$ACR_LOGIN_SERVER/samples/hello:@TAG@\"\n"
      + "  skopeo inspect --cert-dir \"$CERTS\" \"docker://$ACR_LOGIN_SERVER/samples/hello:@TAG@\"\n"
      + "  echo \"$DOCKER_CONFIG\" > configdir.txt\n"
      + "'''\n";

  private static AcrTestBed bed;
  private static TestRegistry registry;
  private JenkinsRule j;
  private TinyImage image;

  @BeforeAll
  static void startBed() {
    bed = TestBedSupport.bed();
    registry = bed.addRegistry("jenkinsreg" + System.nanoTime() % 100000, r -> r.adminUser(true));
  }

  @BeforeEach
  void setUp(JenkinsRule j, @TempDir Path tmp) throws Exception {
    this.j = j;
    this.image = TinyImage.write(tmp.resolve("image"), "hello from jenkins\n");
  }

  private String pipeline(String node, String credentialsId, String tag, String extra) {
    return "node('" + node + "') {\n"
        + "  withEnv(['CERTS=" + bed.certDir() + "', 'IMG=" + image.dir() + "']) {\n"
        + extra.replace("@BODY@", "acrLogin(registry: '" + registry.loginServer() + "', credentialsId: '"
            + credentialsId + "') {\n" + PUSH_AND_CHECK.replace("@TAG@", tag) + "}\n")
        + "  }\n"
        + "  sh 'test ! -e \"$(cat configdir.txt)\"'\n"
        + "}\n";
  }

  private WorkflowRun run(String name, String script) throws Exception {
    WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, name);
    p.setDefinition(new CpsFlowDefinition(script, true));
    return j.buildAndAssertSuccess(p);
  }

  private ServicePrincipal pushingServicePrincipal() {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, registry, Role.ACR_PUSH);
    return sp;
  }

  /** The token the controller's shared authenticator hands out (and cached) for this identity. */
  private static String currentToken(CredentialSource source) throws Exception {
    return Authenticators.controller().login(Registry.parse(registry.loginServer()), source).password().reveal();
  }

  @Test
  void servicePrincipalWithSecretPushesAndTheTokenIsMasked() throws Exception {
    ServicePrincipal sp = pushingServicePrincipal();
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, "sp", "test",
        sp.tenantId(), sp.clientId());
    c.setClientSecret(Secret.fromString(sp.requireSecret()));
    TestBedSupport.addGlobal(c);

    WorkflowRun b = run("sp", pipeline("built-in", "sp", "sp", "@BODY@"));

    String token = currentToken(c.source(Map.of()));
    j.assertLogNotContains(token, b);
    j.assertLogNotContains(sp.requireSecret(), b);
    j.assertLogContains(TokenMaskingFilter.MASK, b);
    j.assertLogContains("acrLogin: logged in to " + registry.loginServer(), b);
    j.assertLogContains(image.manifestDigest(), b); // skopeo inspect read back exactly what was pushed
  }

  @Test
  void servicePrincipalWithPemCertificatePushes() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal(s -> s.secret(false).certificate(true));
    bed.grant(sp, registry, Role.ACR_PUSH);
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, "sp-cert", null,
        sp.tenantId(), sp.clientId());
    c.setCertificate(SecretBytes.fromBytes(Files.readAllBytes(sp.certificate().orElseThrow().pemFile())));
    TestBedSupport.addGlobal(c);

    run("spcert", pipeline("built-in", "sp-cert", "spcert", "@BODY@"));
  }

  @Test
  void servicePrincipalWithPfxCertificatePushes() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal(s -> s.secret(false).certificate(true));
    bed.grant(sp, registry, Role.ACR_PUSH);
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, "sp-pfx", null,
        sp.tenantId(), sp.clientId());
    c.setCertificate(SecretBytes.fromBytes(Files.readAllBytes(sp.certificate().orElseThrow().pfxFile())));
    c.setCertificatePassword(Secret.fromString(sp.certificate().orElseThrow().pfxPassword()));
    TestBedSupport.addGlobal(c);

    run("sppfx", pipeline("built-in", "sp-pfx", "sppfx", "@BODY@"));
  }

  @Test
  void systemAssignedManagedIdentityLogsInOnTheAgent() throws Exception {
    ManagedIdentity mi = bed.systemAssignedIdentity();
    bed.grant(mi, registry, Role.ACR_PUSH);
    TestBedSupport.addGlobal(new AcrManagedIdentityCredentials(CredentialsScope.GLOBAL, "mi", null));
    DumbSlave agent = j.createSlave("azure-vm", "azure", TestBedSupport.agentEnvironment());
    j.waitOnline(agent);
    long before = bed.counters().total();

    run("mi", pipeline("azure", "mi", "mi", "@BODY@"));
    assertTrue(bed.counters().total() > before, "the agent talked to the emulator");
  }

  @Test
  void userAssignedManagedIdentityByClientIdPushes() throws Exception {
    ManagedIdentity mi = bed.addManagedIdentity("builder-" + System.nanoTime() % 100000);
    bed.grant(mi, registry, Role.ACR_PUSH);
    AcrManagedIdentityCredentials c = new AcrManagedIdentityCredentials(CredentialsScope.GLOBAL, "mi-user", null);
    c.setIdentityType(ManagedIdentityId.CLIENT_ID);
    c.setIdentityId(mi.clientId());
    TestBedSupport.addGlobal(c);

    run("miuser", pipeline("built-in", "mi-user", "miuser", "@BODY@"));
  }

  @Test
  void workloadIdentityReadsTheTokenFileOnTheAgent() throws Exception {
    WorkloadIdentity wi = bed.addWorkloadIdentity("system:serviceaccount:ci:jenkins");
    bed.grant(wi, registry, Role.ACR_PUSH);
    AcrWorkloadIdentityCredentials c = new AcrWorkloadIdentityCredentials(CredentialsScope.GLOBAL, "wi", null,
        wi.tenantId(), wi.clientId());
    c.setTokenFile(bed.federatedToken(wi).toString());
    TestBedSupport.addGlobal(c);

    run("wifile", pipeline("built-in", "wi", "wifile", "@BODY@"));
  }

  @Test
  void workloadIdentityTakesTheTokenFromASecretTextCredential() throws Exception {
    WorkloadIdentity wi = bed.addWorkloadIdentity("system:serviceaccount:ci:oidc");
    bed.grant(wi, registry, Role.ACR_PUSH);
    String assertion = bed.federatedAssertion(wi, Duration.ofMinutes(10));
    TestBedSupport.addGlobal(new StringCredentialsImpl(CredentialsScope.GLOBAL, "oidc", null,
        Secret.fromString(assertion)));
    AcrWorkloadIdentityCredentials c = new AcrWorkloadIdentityCredentials(CredentialsScope.GLOBAL, "wi-var", null,
        wi.tenantId(), wi.clientId());
    c.setTokenVariable("OIDC_TOKEN");
    TestBedSupport.addGlobal(c);

    WorkflowRun b = run("wivar", pipeline("built-in", "wi-var", "wivar",
        "withCredentials([string(credentialsId: 'oidc', variable: 'OIDC_TOKEN')]) {\n@BODY@}\n"));
    j.assertLogNotContains(assertion, b);
  }

  @Test
  void adminUserAndRepositoryTokenAreUsernamePasswordCredentials() throws Exception {
    TestBedSupport.addGlobal(new UsernamePasswordCredentialsImpl(CredentialsScope.GLOBAL, "admin", null,
        registry.adminUsername(), registry.adminPassword()));
    RepositoryToken token = bed.addRepositoryToken(registry, "ci-token-" + System.nanoTime() % 100000,
        Map.of("samples/hello", Set.of(RepositoryPermission.CONTENT_READ, RepositoryPermission.CONTENT_WRITE,
            RepositoryPermission.METADATA_READ)));
    TestBedSupport.addGlobal(new UsernamePasswordCredentialsImpl(CredentialsScope.GLOBAL, "repo-token", null,
        token.name(), token.password1()));

    WorkflowRun admin = run("admin", pipeline("built-in", "admin", "admin", "@BODY@"));
    j.assertLogNotContains(registry.adminPassword(), admin);
    WorkflowRun repo = run("repotoken", pipeline("built-in", "repo-token", "repotoken", "@BODY@"));
    j.assertLogNotContains(token.password1(), repo);
  }

  @Test
  void credentialWithRegistryWorksAsUsernamePasswordForWithCredentials() throws Exception {
    ServicePrincipal sp = pushingServicePrincipal();
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, "sp-up", null,
        sp.tenantId(), sp.clientId());
    c.setClientSecret(Secret.fromString(sp.requireSecret()));
    c.setRegistry(registry.loginServer());
    TestBedSupport.addGlobal(c);
    String script = "node('built-in') {\n"
        + "  withCredentials([usernamePassword(credentialsId: 'sp-up', usernameVariable: 'U', passwordVariable: 'P')]) {\n"
        + "    sh '''set -eu\n"
        + "      test \"$U\" = 00000000-0000-0000-0000-000000000000\n"
        + "      skopeo copy --dest-cert-dir " + bed.certDir() + " --dest-creds \"$U:$P\" dir:" + image.dir()
        + " docker://" + registry.loginServer() + "/samples/hello:withcredentials\n"
        + "    '''\n"
        + "  }\n"
        + "}\n";
    WorkflowRun b = run("withcreds", script);
    j.assertLogNotContains(currentToken(c.source(Map.of())), b);
  }

  @Test
  void acrTokenReturnsRefreshAndScopedAccessTokensAndWithAcrTokenMasksThem() throws Exception {
    ServicePrincipal sp = pushingServicePrincipal();
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, "sp-tok", null,
        sp.tenantId(), sp.clientId());
    c.setClientSecret(Secret.fromString(sp.requireSecret()));
    TestBedSupport.addGlobal(c);
    String reg = registry.loginServer();
    String script = "node('built-in') {\n"
        + "  def refresh = acrToken(registry: '" + reg + "', credentialsId: 'sp-tok')\n"
        + "  def access = acrToken(registry: '" + reg + "', credentialsId: 'sp-tok', scope: 'repository:samples/hello:pull')\n"
        + "  writeFile file: 'refresh.txt', text: refresh\n"
        + "  writeFile file: 'access.txt', text: access\n"
        + "  withAcrToken(registry: '" + reg + "', credentialsId: 'sp-tok', variable: 'ACR_TOKEN',"
        + " scope: 'repository:samples/hello:pull') {\n"
        + "    sh 'test -n \"$ACR_TOKEN\"; echo \"token is $ACR_TOKEN\"; test \"$ACR_TOKEN\" = \"$(cat access.txt)\"'\n"
        + "  }\n"
        + "}\n";
    WorkflowRun b = run("tokens", script);
    String refresh = j.jenkins.getWorkspaceFor(b.getParent()).child("refresh.txt").readToString();
    String access = j.jenkins.getWorkspaceFor(b.getParent()).child("access.txt").readToString();
    assertEquals(currentToken(c.source(Map.of())), refresh);
    assertTrue(access.startsWith("eyJ") && !access.equals(refresh));
    j.assertLogNotContains(access, b);
    j.assertLogContains("token is " + TokenMaskingFilter.MASK, b);
    j.assertLogContains("ACR access token for repository:samples/hello:pull", b);
  }

  @Test
  void configIsRemovedWhenTheBlockFails() throws Exception {
    ServicePrincipal sp = pushingServicePrincipal();
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, "sp-fail", null,
        sp.tenantId(), sp.clientId());
    c.setClientSecret(Secret.fromString(sp.requireSecret()));
    TestBedSupport.addGlobal(c);
    WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "fails");
    p.setDefinition(new CpsFlowDefinition("node('built-in') {\n"
        + "  try {\n"
        + "    acrLogin(registry: '" + registry.loginServer() + "', credentialsId: 'sp-fail') {\n"
        + "      sh 'echo \"$DOCKER_CONFIG\" > configdir.txt; exit 3'\n"
        + "    }\n"
        + "  } finally {\n"
        + "    sh 'test ! -e \"$(cat configdir.txt)\" && echo CONFIG-REMOVED'\n"
        + "  }\n"
        + "}\n", true));
    WorkflowRun b = j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));
    j.assertLogContains("CONFIG-REMOVED", b);
  }

  @Test
  void configIsRemovedWhenTheBuildIsAborted() throws Exception {
    ServicePrincipal sp = pushingServicePrincipal();
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, "sp-abort",
        null, sp.tenantId(), sp.clientId());
    c.setClientSecret(Secret.fromString(sp.requireSecret()));
    TestBedSupport.addGlobal(c);
    WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "aborted");
    p.setDefinition(new CpsFlowDefinition("node('built-in') {\n"
        + "  acrLogin(registry: '" + registry.loginServer() + "', credentialsId: 'sp-abort') {\n"
        + "    sh 'echo \"$DOCKER_CONFIG\" > configdir.txt; echo BLOCK-STARTED; sleep 600'\n"
        + "  }\n"
        + "}\n", true));
    WorkflowRun b = p.scheduleBuild2(0).waitForStart();
    j.waitForMessage("BLOCK-STARTED", b);
    String dir = j.jenkins.getWorkspaceFor(p).child("configdir.txt").readToString().trim();
    assertTrue(Files.exists(Path.of(dir, "config.json")));
    b.doStop();
    j.assertBuildStatus(Result.ABORTED, j.waitForCompletion(b));
    assertFalse(Files.exists(Path.of(dir)), "config directory removed after abort");
  }

  @Test
  void aLoginFailureEndsTheBuildWithOneLineAndNoStackTrace() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal();
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, "sp-wrong", null,
        sp.tenantId(), sp.clientId());
    c.setClientSecret(Secret.fromString("not-the-secret"));
    TestBedSupport.addGlobal(c);
    WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "wrongsecret");
    p.setDefinition(new CpsFlowDefinition("node('built-in') {\n"
        + "  acrLogin(registry: '" + registry.loginServer() + "', credentialsId: 'sp-wrong') { echo 'never' }\n"
        + "}\n", true));
    WorkflowRun b = j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));
    j.assertLogContains("Fix:", b);
    j.assertLogNotContains("never", b);
    j.assertLogNotContains("\tat io.github.acrlogin", b);
    j.assertLogNotContains("not-the-secret", b);
  }

  @Test
  void aUserWithoutAccessToTheCredentialCannotUseIt() throws Exception {
    ServicePrincipal sp = pushingServicePrincipal();
    j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
    j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
        .grant(Jenkins.ADMINISTER).everywhere().to("alice")
        .grant(Jenkins.READ, Item.READ, Item.BUILD, Item.CONFIGURE, Computer.BUILD).everywhere().to("bob"));
    // alice keeps the credential in her own store; bob's job must not be able to use it
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.USER, "alices", null,
        sp.tenantId(), sp.clientId());
    c.setClientSecret(Secret.fromString(sp.requireSecret()));
    User alice = User.getById("alice", true);
    try (ACLContext ignored = ACL.as2(alice.impersonate2())) {
      CredentialsStore store = CredentialsProvider.lookupStores(alice).iterator().next();
      store.addCredentials(Domain.global(), c);
    }
    WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "bobs");
    p.setDefinition(new CpsFlowDefinition("node('built-in') {\n"
        + "  acrLogin(registry: '" + registry.loginServer() + "', credentialsId: 'alices') { echo 'inside' }\n"
        + "}\n", true));
    QueueItemAuthenticatorConfiguration.get().getAuthenticators()
        .add(new MockQueueItemAuthenticator().authenticate("bobs", User.getById("bob", true).impersonate2()));
    WorkflowRun b = j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));
    j.assertLogContains("Credentials 'alices' were not found", b);
    j.assertLogNotContains("inside", b);
  }

  @Test
  void snippetsRoundTrip() throws Exception {
    SnippetizerTester st = new SnippetizerTester(j);
    st.assertRoundTrip(new AcrLoginStep("myregistry.azurecr.io", "acr"),
        "acrLogin(credentialsId: 'acr', registry: 'myregistry.azurecr.io') {\n    // some block\n}");
    AcrTokenStep token = new AcrTokenStep("myregistry", "acr");
    token.setScope("repository:samples/hello:pull");
    st.assertRoundTrip(token,
        "acrToken credentialsId: 'acr', registry: 'myregistry', scope: 'repository:samples/hello:pull'");
    st.assertRoundTrip(new WithAcrTokenStep("myregistry", "acr", "ACR_TOKEN"),
        "withAcrToken(credentialsId: 'acr', registry: 'myregistry', variable: 'ACR_TOKEN') {\n    // some block\n}");
  }
}
