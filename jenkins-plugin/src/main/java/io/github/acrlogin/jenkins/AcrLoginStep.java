package io.github.acrlogin.jenkins;

import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.console.ConsoleLogFilter;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.IOException;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.util.Timer;
import org.jenkinsci.plugins.workflow.steps.BodyInvoker;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;
import org.jenkinsci.plugins.workflow.steps.GeneralNonBlockingStepExecution;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;

/**
 * {@code acrLogin(registry: 'myregistry.azurecr.io', credentialsId: 'acr') { sh 'docker push ...' }}: logs in
 * to a registry for the duration of the block through a temporary Docker config beside the workspace
 * ({@code DOCKER_CONFIG}, {@code REGISTRY_AUTH_FILE}, {@code ACR_LOGIN_SERVER}), rewritten before its token
 * expires and removed when the block ends however it ends.
 */
public class AcrLoginStep extends Step {

  private static final Logger LOGGER = Logger.getLogger(AcrLoginStep.class.getName());

  private final String registry;
  private final String credentialsId;

  @DataBoundConstructor
  public AcrLoginStep(String registry, String credentialsId) {
    this.registry = registry;
    this.credentialsId = credentialsId;
  }

  public String getRegistry() {
    return registry;
  }

  public String getCredentialsId() {
    return credentialsId;
  }

  @Override
  public StepExecution start(StepContext context) {
    return new Execution(context, registry, credentialsId);
  }

  /**
   * Serializable with non-secret state only (registry, credentials id, config directory, next renewal time), so
   * that it survives a controller restart; the token lives in the agent's file and the masking filter keeps no
   * secret (see {@link TokenMaskingFilter}). The live {@link DockerConfigSession} (renewal timer, lock) is
   * transient and rebuilt by {@link #onResume}.
   */
  static final class Execution extends GeneralNonBlockingStepExecution {

    private static final long serialVersionUID = 1L;

    private final String registry;
    private final String credentialsId;
    // Non-null while a config directory exists; written under this object's lock, read by the CPS VM thread too.
    private volatile String configDir;
    private volatile long refreshAt;
    private transient DockerConfigSession session; // guarded by this
    private transient boolean stopped; // guarded by this

    Execution(StepContext context, String registry, String credentialsId) {
      super(context);
      this.registry = registry;
      this.credentialsId = credentialsId;
    }

    @Override
    public boolean start() {
      run(this::begin);
      return false;
    }

    private void begin() throws Exception {
      StepContext c = getContext();
      Run<?, ?> run = c.get(Run.class);
      FilePath workspace = c.get(FilePath.class);
      TaskListener listener = c.get(TaskListener.class);
      DockerConfigSession s = DockerConfigSession.open(credentialsId, registry, run, workspace,
          c.get(EnvVars.class), listener);
      if (!attach(s)) {
        // stop() arrived while logging in: nobody else will remove this directory.
        Timer.get().execute(() -> s.closeAndRemove(workspace, listener));
        return;
      }
      try {
        s.startRenewals(places(c), at -> refreshAt = at);
        c.newBodyInvoker()
            .withContext(EnvironmentExpander.merge(c.get(EnvironmentExpander.class),
                EnvironmentExpander.constant(s.environment())))
            .withContext(BodyInvoker.mergeConsoleLogFilters(c.get(ConsoleLogFilter.class),
                TokenMaskingFilter.of(s.literalSecrets, run.getCharset())))
            .withCallback(new Cleanup())
            .start();
      } catch (Exception | Error e) {
        // The body did not start, so no callback will clean up. On the timer: this thread may be interrupted.
        DockerConfigSession detached = detach();
        if (detached != null) {
          Timer.get().execute(() -> detached.closeAndRemove(workspace, listener));
        }
        throw e;
      }
    }

    /** Where renewals find the build: the step context, looked up each time (it survives restarts). */
    private static DockerConfigSession.Places places(StepContext c) {
      return () -> new DockerConfigSession.Place(c.get(Run.class), c.get(FilePath.class), c.get(EnvVars.class),
          c.get(TaskListener.class));
    }

    /** Makes {@code s} this execution's session, unless the step was stopped meanwhile. */
    private synchronized boolean attach(DockerConfigSession s) {
      if (stopped) {
        return false;
      }
      session = s;
      configDir = s.dir();
      refreshAt = s.renewAt();
      return true;
    }

    /**
     * Takes the session away (once): whoever gets it closes and removes it; later callers get null. After a
     * restart, before {@link #onResume}, the session is rebuilt from the persisted directory.
     */
    @CheckForNull
    private synchronized DockerConfigSession detach() {
      DockerConfigSession s = session;
      if (s == null && configDir != null) {
        s = DockerConfigSession.resume(credentialsId, registry, configDir, 0);
      }
      session = null;
      configDir = null;
      return s;
    }

    /** Rebuilds the session and its renewal timer, which a restart dropped; a renewal due meanwhile runs at once. */
    @Override
    public void onResume() {
      super.onResume();
      DockerConfigSession s;
      synchronized (this) {
        if (configDir == null || session != null) {
          return;
        }
        s = DockerConfigSession.resume(credentialsId, registry, configDir, refreshAt);
        session = s;
      }
      s.startRenewals(places(getContext()), at -> refreshAt = at);
    }

    @Override
    public void stop(@NonNull Throwable cause) throws Exception {
      DockerConfigSession s;
      synchronized (this) {
        stopped = true;
        s = detach();
      }
      if (s != null) {
        // If the body never started, no callback will clean up; if it did, Cleanup finds nothing left to do.
        // On the timer: closing may wait for a renewal's write, and stop() must not block. execute, not submit:
        // nobody reads the Future (SpotBugs RV_RETURN_VALUE_IGNORED_BAD_PRACTICE on submit).
        Timer.get().execute(() -> removeConfig(s));
      }
      super.stop(cause);
    }

    private void removeConfig(DockerConfigSession s) {
      try {
        StepContext c = getContext();
        s.closeAndRemove(c.get(FilePath.class), c.get(TaskListener.class));
      } catch (IOException | InterruptedException | RuntimeException e) {
        s.close();
        LOGGER.log(Level.WARNING, "could not remove " + s.dir(), e);
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Runs after the body, whether it succeeded, failed or was aborted. */
    private final class Cleanup extends TailCall {
      private static final long serialVersionUID = 1L;

      @Override
      protected void finished(StepContext context) throws Exception {
        DockerConfigSession s = detach();
        if (s != null) {
          // Logs when the agent is offline and the directory could not be removed.
          s.closeAndRemove(context.get(FilePath.class), context.get(TaskListener.class));
        }
      }
    }
  }

  @Extension
  public static class DescriptorImpl extends AcrStepDescriptor {

    @Override
    public String getFunctionName() {
      return "acrLogin";
    }

    @NonNull
    @Override
    public String getDisplayName() {
      return "Log in to Azure Container Registry";
    }

    @Override
    public boolean takesImplicitBlockArgument() {
      return true;
    }

    @Override
    public Set<? extends Class<?>> getRequiredContext() {
      return Set.of(Run.class, TaskListener.class, FilePath.class, EnvVars.class);
    }
  }
}
