package io.github.acrlogin.jenkins;

import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.console.ConsoleLogFilter;
import hudson.model.AbstractProject;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildWrapperDescriptor;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import jenkins.tasks.SimpleBuildWrapper;
import jenkins.util.Timer;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * The freestyle counterpart of {@code acrLogin}: a temporary Docker config for the whole build, renewed before
 * its token expires and removed at the end. Its symbol is {@code acrLoginWrapper} because {@code acrLogin} is
 * the Pipeline step's name, and a wrapper with the same symbol would make {@code acrLogin(...)} ambiguous in
 * Pipeline ({@code wrap}) and Job DSL.
 */
public class AcrLoginBuildWrapper extends SimpleBuildWrapper {

  /** Pending renewals by config directory; freestyle builds do not survive restarts, so memory is enough. */
  private static final Map<String, ScheduledFuture<?>> RENEWALS = new ConcurrentHashMap<>();

  private final String registry;
  private final String credentialsId;

  @DataBoundConstructor
  public AcrLoginBuildWrapper(String registry, String credentialsId) {
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
  public void setUp(@NonNull Context context, @NonNull Run<?, ?> build, FilePath workspace, Launcher launcher,
      @NonNull TaskListener listener, @NonNull EnvVars initialEnvironment) throws IOException, InterruptedException {
    String reference = initialEnvironment.expand(registry);
    DockerConfigSession session =
        DockerConfigSession.open(credentialsId, reference, build, workspace, initialEnvironment, listener);
    TokenMaskingFilter.register(build.getExternalizableId(), session.literalSecrets);
    session.environment().forEach(context::env);
    String dir = session.dir.getRemote();
    schedule(dir, session.refreshAt, reference, build, workspace, initialEnvironment, listener);
    context.setDisposer(new Cleanup(dir, build.getExternalizableId()));
  }

  private void schedule(String dir, long at, String reference, Run<?, ?> build, FilePath workspace, EnvVars env,
      TaskListener listener) {
    if (at <= 0) {
      return;
    }
    long delay = Math.max(0, at - System.currentTimeMillis());
    RENEWALS.put(dir, Timer.get().schedule(() -> {
      long next;
      try {
        next = DockerConfigSession.refresh(credentialsId, reference, build,
            new FilePath(workspace.getChannel(), dir), workspace, env);
        listener.getLogger().println("acrLogin: renewed the ACR token for " + reference);
      } catch (IOException | RuntimeException e) {
        listener.getLogger().println("acrLogin: could not renew the ACR token for " + reference
            + ", retrying in a minute: " + e.getMessage());
        next = System.currentTimeMillis() + 60_000L;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (RENEWALS.containsKey(dir)) {
        schedule(dir, next, reference, build, workspace, env, listener);
      }
    }, delay, TimeUnit.MILLISECONDS));
  }

  @Override
  public ConsoleLogFilter createLoggerDecorator(@NonNull Run<?, ?> build) {
    return TokenMaskingFilter.forRun(build.getExternalizableId(), build.getCharset());
  }

  /** Removes the config directory and forgets the run's secrets, on success, failure and abort. */
  private static final class Cleanup extends Disposer {
    private static final long serialVersionUID = 1L;
    private final String dir;
    private final String runId;

    Cleanup(String dir, String runId) {
      this.dir = dir;
      this.runId = runId;
    }

    @Override
    public void tearDown(@NonNull Run<?, ?> build, @CheckForNull FilePath workspace, @CheckForNull Launcher launcher,
        @NonNull TaskListener listener) {
      ScheduledFuture<?> renewal = RENEWALS.remove(dir);
      if (renewal != null) {
        renewal.cancel(false);
      }
      if (workspace != null && workspace.getChannel() != null) {
        DockerConfigSession.remove(new FilePath(workspace.getChannel(), dir), listener);
      }
      TokenMaskingFilter.unregister(runId);
    }
  }

  @Extension
  @Symbol("acrLoginWrapper")
  public static class DescriptorImpl extends BuildWrapperDescriptor {

    @Override
    public boolean isApplicable(AbstractProject<?, ?> item) {
      return true;
    }

    @NonNull
    @Override
    public String getDisplayName() {
      return "Log in to Azure Container Registry";
    }

    @POST
    public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
      return StepForms.credentialsIdItems(item, credentialsId);
    }

    @POST
    public FormValidation doCheckRegistry(@AncestorInPath Item item, @QueryParameter String value) {
      return StepForms.checkRegistry(item, value);
    }
  }
}
