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
import jenkins.tasks.SimpleBuildWrapper;
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

  /** Open sessions by config directory; freestyle builds do not survive restarts, so memory is enough. */
  private static final Map<String, DockerConfigSession> SESSIONS = new ConcurrentHashMap<>();

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
    Cleanup cleanup = new Cleanup(session.dir(), build.getExternalizableId());
    SESSIONS.put(session.dir(), session);
    context.setDisposer(cleanup); // at once: whatever fails from here on, the directory is removed
    try {
      TokenMaskingFilter.register(build.getExternalizableId(), session.literalSecrets);
      session.environment().forEach(context::env);
      DockerConfigSession.Place place = new DockerConfigSession.Place(build, workspace, initialEnvironment, listener);
      session.startRenewals(() -> place, at -> { });
    } catch (RuntimeException e) {
      // A disposer is only run for a wrapper whose setUp returned; tear down here instead.
      cleanup.tearDown(build, workspace, launcher, listener);
      throw e;
    }
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
      DockerConfigSession session = SESSIONS.remove(dir);
      if (session != null) {
        // Closed first (no renewal writes after this), then deleted; logs when the agent is offline.
        session.closeAndRemove(workspace, listener);
      } else if (workspace != null && workspace.getChannel() != null) {
        // Torn down twice, or by a controller that restarted (Pipeline wrap): the directory may still be there.
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
