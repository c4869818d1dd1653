package io.github.acrlogin.jenkins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.github.acrlogin.it.Skopeo;
import io.github.acrlogin.it.TestRegistry;
import io.github.acrlogin.it.TinyImage;
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
  private static TestRegistry registry;

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
    TinyImage image = TinyImage.write(tmp.resolve("image"), "hello from a freestyle build\n");
    FreeStyleProject p = j.createFreeStyleProject();
    p.getBuildWrappersList().add(new AcrLoginBuildWrapper(registry.loginServer(), "sp"));
    p.getBuildersList().add(new Shell("set -eu\n"
        + "test \"$(stat -c %a \"$REGISTRY_AUTH_FILE\")\" = 600\n"
        + "cat \"$REGISTRY_AUTH_FILE\"\n"
        + "echo \"$DOCKER_CONFIG\" > configdir.txt\n"
        + "skopeo copy --preserve-digests --dest-cert-dir " + bed.certDir() + " dir:" + image.dir()
        + " \"docker://$ACR_LOGIN_SERVER/samples/hello:freestyle\"\n"));
    FreeStyleBuild b = j.buildAndAssertSuccess(p);
    String token = Authenticators.controller()
        .login(Registry.parse(registry.loginServer()), c.source(Map.of())).password().reveal();
    j.assertLogNotContains(token, b);
    String dir = b.getWorkspace().child("configdir.txt").readToString().trim();
    assertFalse(Files.exists(Path.of(dir)), "config removed after the build");
    // An independent client, outside Jenkins, finds exactly the image the build pushed.
    Skopeo.Result inspect = new Skopeo(tmp).run("inspect", "--cert-dir", bed.certDir().toString(), "--creds",
        "00000000-0000-0000-0000-000000000000:" + token,
        "docker://" + registry.loginServer() + "/samples/hello:freestyle");
    assertEquals(0, inspect.exit(), "skopeo inspect failed (exit " + inspect.exit() + ")");
    assertTrue(inspect.output().contains(image.manifestDigest()), "the pushed manifest is the one written");
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
