package io.github.acrlogin.jenkins;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudbees.plugins.credentials.CredentialsScope;
import hudson.util.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.TestRegistry;
import io.github.acrlogin.it.TinyImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jvnet.hudson.test.junit.jupiter.JenkinsSessionExtension;

/** An acrLogin block that is running when the controller restarts keeps working and is cleaned up after. */
class AcrLoginRestartTest {

  @RegisterExtension
  private final JenkinsSessionExtension sessions = new JenkinsSessionExtension();

  @Test
  void aRunningBlockSurvivesARestart(@TempDir Path tmp) throws Throwable {
    AcrTestBed bed = TestBedSupport.bed();
    TestRegistry registry = bed.addRegistry("restartreg" + System.nanoTime() % 100000);
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, registry, Role.ACR_PUSH);
    TinyImage image = TinyImage.write(tmp.resolve("image"), "hello across a restart\n");

    sessions.then(j -> {
      AcrServicePrincipalCredentials c = new AcrServicePrincipalCredentials(CredentialsScope.GLOBAL, "sp", null,
          sp.tenantId(), sp.clientId());
      c.setClientSecret(Secret.fromString(sp.requireSecret()));
      TestBedSupport.addGlobal(c);
      WorkflowJob p = j.jenkins.createProject(WorkflowJob.class, "restart");
      p.setDefinition(new CpsFlowDefinition("node('built-in') {\n"
          + "  acrLogin(registry: '" + registry.loginServer() + "', credentialsId: 'sp') {\n"
          + "    sh 'echo \"$DOCKER_CONFIG\" > configdir.txt; echo WAITING; while [ ! -f go ]; do sleep 1; done'\n"
          + "    sh 'skopeo copy --preserve-digests --dest-cert-dir " + bed.certDir() + " dir:" + image.dir()
          + " \"docker://$ACR_LOGIN_SERVER/samples/hello:restart\" && echo PUSHED-AFTER-RESTART'\n"
          + "  }\n"
          + "}\n", true));
      WorkflowRun b = p.scheduleBuild2(0).waitForStart();
      j.waitForMessage("WAITING", b);
    });

    sessions.then(j -> {
      WorkflowJob p = j.jenkins.getItemByFullName("restart", WorkflowJob.class);
      WorkflowRun b = p.getBuildByNumber(1);
      String dir = j.jenkins.getWorkspaceFor(p).child("configdir.txt").readToString().trim();
      assertTrue(Files.exists(Path.of(dir, "config.json")), "config kept across the restart");
      j.jenkins.getWorkspaceFor(p).child("go").write("", "UTF-8");
      j.assertBuildStatusSuccess(j.waitForCompletion(b));
      j.assertLogContains("PUSHED-AFTER-RESTART", b);
      assertFalse(Files.exists(Path.of(dir)), "config removed when the block ended");
    });
  }
}
