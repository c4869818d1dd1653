package io.github.acrlogin.jenkins;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.console.ConsoleLogFilter;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
   * Serializable with non-secret state only (registry, credentials id, config directory, next refresh time), so
   * that it survives a controller restart; the token lives in the agent's file and the masking filter keeps no
   * secret (see {@link TokenMaskingFilter}).
   */
  static final class Execution extends GeneralNonBlockingStepExecution {

    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = Logger.getLogger(AcrLoginStep.class.getName());
    private static final long RETRY_MILLIS = 60_000L;

    private final String registry;
    private final String credentialsId;
    // Written by the CPS VM thread, the refresh timer and the cleanup callback; volatile for their visibility.
    private volatile String configDir;
    private volatile long refreshAt;
    private transient volatile ScheduledFuture<?> refresh;

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
      DockerConfigSession session = DockerConfigSession.open(credentialsId, registry, run, workspace,
          c.get(EnvVars.class), c.get(TaskListener.class));
      configDir = session.dir.getRemote();
      refreshAt = session.refreshAt;
      c.newBodyInvoker()
          .withContext(EnvironmentExpander.merge(c.get(EnvironmentExpander.class),
              EnvironmentExpander.constant(session.environment())))
          .withContext(BodyInvoker.mergeConsoleLogFilters(c.get(ConsoleLogFilter.class),
              TokenMaskingFilter.of(session.literalSecrets, run.getCharset())))
          .withCallback(new Cleanup())
          .start();
      schedule();
    }

    /** Re-arms the refresh timer, which a restart dropped; a refresh due in the meantime runs at once. */
    @Override
    public void onResume() {
      super.onResume();
      schedule();
    }

    @Override
    public void stop(@NonNull Throwable cause) throws Exception {
      cancel();
      // If the body never started, no callback will clean up; deleting twice is harmless.
      // execute, not submit: nobody reads the Future (SpotBugs RV_RETURN_VALUE_IGNORED_BAD_PRACTICE on submit);
      // removeConfig handles its own failures.
      Timer.get().execute(this::removeConfig);
      super.stop(cause);
    }

    private synchronized void schedule() {
      if (configDir == null || refreshAt <= 0) {
        return;
      }
      long delay = Math.max(0, refreshAt - System.currentTimeMillis());
      refresh = Timer.get().schedule(this::refreshConfig, delay, TimeUnit.MILLISECONDS);
    }

    private synchronized void cancel() {
      if (refresh != null) {
        refresh.cancel(false);
        refresh = null;
      }
    }

    private void refreshConfig() {
      TaskListener listener = null;
      try {
        StepContext c = getContext();
        listener = c.get(TaskListener.class);
        FilePath workspace = c.get(FilePath.class);
        if (configDir == null || workspace == null || workspace.getChannel() == null) {
          return; // block over, or agent gone: nothing to refresh
        }
        refreshAt = DockerConfigSession.refresh(credentialsId, registry, c.get(Run.class),
            new FilePath(workspace.getChannel(), configDir), workspace, c.get(EnvVars.class));
        listener.getLogger().println("acrLogin: renewed the ACR token for " + registry);
      } catch (Exception e) {
        // Keep the current (still valid) config and try again shortly.
        refreshAt = System.currentTimeMillis() + RETRY_MILLIS;
        if (listener != null) {
          listener.getLogger().println("acrLogin: could not renew the ACR token for " + registry
              + ", retrying in a minute: " + e.getMessage());
        }
        LOGGER.log(Level.FINE, "refresh failed", e);
      }
      schedule();
    }

    private void removeConfig() {
      if (configDir == null) {
        return;
      }
      try {
        StepContext c = getContext();
        FilePath workspace = c.get(FilePath.class);
        TaskListener listener = c.get(TaskListener.class);
        if (workspace != null && workspace.getChannel() != null) {
          DockerConfigSession.remove(new FilePath(workspace.getChannel(), configDir), listener);
          configDir = null;
        } else {
          listener.getLogger().println("acrLogin: agent offline, could not remove " + configDir);
        }
      } catch (Exception e) {
        LOGGER.log(Level.WARNING, "could not remove " + configDir, e);
      }
    }

    /** Runs after the body, whether it succeeded, failed or was aborted. */
    private final class Cleanup extends TailCall {
      private static final long serialVersionUID = 1L;

      @Override
      protected void finished(StepContext context) throws Exception {
        cancel();
        FilePath workspace = context.get(FilePath.class);
        if (configDir != null && workspace != null && workspace.getChannel() != null) {
          DockerConfigSession.remove(new FilePath(workspace.getChannel(), configDir),
              context.get(TaskListener.class));
          configDir = null;
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
