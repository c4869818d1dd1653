package io.github.acrlogin.jenkins;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.cloudbees.plugins.credentials.CredentialsScope;
import hudson.model.FreeStyleBuild;
import hudson.model.FreeStyleProject;
import hudson.model.Result;
import hudson.tasks.Shell;
import hudson.util.Secret;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

@WithJenkins
class AcrLoginBuildWrapperTest {

  private static AcrTestBed bed;
  private static io.github.acrlogin.it.Registry registry;

  @BeforeAll
  static void startBed() {
    bed = TestBedSupport.bed();
    registry = bed.addRegistry("freestylereg" + System.nanoTime() % 100000);
  }

  private AcrServicePrincipalCredentials servicePrincipal(String id) throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, registry, Role.ACR_PUSH);
    AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, id, null,
        sp.tenantId(), sp.clientId());
    c.setClientSecret(Secret.fromString(sp.requireSecret()));
    return TestBedSupport.addGlobal(c);
  }

  @Test
  void freestyleBuildPushesMasksAndCleansUp(JenkinsRule j, @TempDir Path tmp) throws Exception {
    AcrServicePrincipalCredentials c = servicePrincipal("sp");
    Path image = TestBedSupport.tinyImage(tmp.resolve("image"));
    FreeStyleProject p = j.createFreeStyleProject();
    p.getBuildWrappersList().add(new AcrLoginBuildWrapper(registry.loginServer(), "sp"));
    p.getBuildersList().add(new Shell("set -eu\n"
        + "test \"$(stat -c %a \"$REGISTRY_AUTH_FILE\")\" = 600\n"
        + "cat \"$REGISTRY_AUTH_FILE\"\n"
        + "echo \"$DOCKER_CONFIG\" > configdir.txt\n"
        + "skopeo copy --dest-cert-dir " + bed.certDir() + " dir:" + image
        + " \"docker://$ACR_LOGIN_SERVER/samples/hello:freestyle\"\n"));
    FreeStyleBuild b = j.buildAndAssertSuccess(p);
    String token = Authenticators.controller()
        .login(Registry.parse(registry.loginServer()), c.source(Map.of())).password().reveal();
    j.assertLogNotContains(token, b);
    String dir = b.getWorkspace().child("configdir.txt").readToString().trim();
    assertFalse(Files.exists(Path.of(dir)), "config removed after the build");
  }

  @Test
  void configIsRemovedWhenABuildStepFails(JenkinsRule j) throws Exception {
    servicePrincipal("sp-fail");
    FreeStyleProject p = j.createFreeStyleProject();
    p.getBuildWrappersList().add(new AcrLoginBuildWrapper(registry.loginServer(), "sp-fail"));
    p.getBuildersList().add(new Shell("echo \"$DOCKER_CONFIG\" > configdir.txt; exit 1"));
    FreeStyleBuild b = j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));
    String dir = b.getWorkspace().child("configdir.txt").readToString().trim();
    assertFalse(Files.exists(Path.of(dir)));
  }

  @Test
  void configurationRoundTrip(JenkinsRule j) throws Exception {
    FreeStyleProject p = j.createFreeStyleProject();
    AcrLoginBuildWrapper w = new AcrLoginBuildWrapper("myregistry.azurecr.io", "acr");
    p.getBuildWrappersList().add(w);
    j.configRoundtrip(p);
    j.assertEqualDataBoundBeans(w, p.getBuildWrappersList().get(AcrLoginBuildWrapper.class));
  }
}
