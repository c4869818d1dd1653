package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.FormValidation;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Scope;
import java.time.Instant;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code def token = acrToken(registry: 'myregistry', credentialsId: 'acr', scope: 'repository:app:pull')}:
 * returns an ACR refresh token (no scope) or an access token for exactly that scope, for helm, oras or curl.
 *
 * <p>The returned value is an ordinary script value: Pipeline keeps it in the build's program state (saved to
 * disk with the build, so that the build can resume after a restart) for as long as the variable lives, and it
 * cannot be reliably masked, since Pipeline offers no way for a step to register a secret for the rest of the
 * build's log. JWTs are masked inside {@code acrLogin} and {@code withAcrToken} blocks only. Prefer
 * {@link WithAcrTokenStep withAcrToken}, which binds the token to a masked variable for a block and keeps it out
 * of the program state.
 */
public class AcrTokenStep extends Step {

  private final String registry;
  private final String credentialsId;
  private String scope;

  @DataBoundConstructor
  public AcrTokenStep(String registry, String credentialsId) {
    this.registry = registry;
    this.credentialsId = credentialsId;
  }

  public String getRegistry() {
    return registry;
  }

  public String getCredentialsId() {
    return credentialsId;
  }

  @CheckForNull
  public String getScope() {
    return scope;
  }

  /** E.g. {@code repository:samples/hello:pull}; empty for a refresh token. */
  @DataBoundSetter
  public void setScope(String scope) {
    this.scope = Util.fixEmptyAndTrim(scope);
  }

  @Override
  public StepExecution start(StepContext context) {
    return new Execution(context, registry, credentialsId, scope);
  }

  /** Gets the token on the right machine and logs what it got, never the token. */
  static LoginResult obtain(StepContext c, String registryRef, String credentialsId, @CheckForNull String scope)
      throws Exception {
    Scope parsed = RegistryAccess.scope(scope); // parsed once: a malformed scope fails before any login
    Run<?, ?> run = c.get(Run.class);
    StandardUsernamePasswordCredentials credential = RegistryAccess.credential(credentialsId, run);
    Registry registry = RegistryAccess.registry(registryRef, credential);
    FilePath workspace = RegistryAccess.onAgent(credential) ? c.get(FilePath.class) : null;
    LoginResult token = RegistryAccess.token(credential, registry, workspace, c.get(EnvVars.class), parsed);
    c.get(TaskListener.class).getLogger().println((parsed == null ? "ACR refresh token" : "ACR access token for "
        + parsed) + " for " + registry.loginServer() + " from credentials '" + credentialsId + "'"
        + (token.expiresAt > 0 ? ", valid until " + Instant.ofEpochMilli(token.expiresAt) : ""));
    return token;
  }

  private static final class Execution extends SynchronousNonBlockingStepExecution<String> {
    private static final long serialVersionUID = 1L;
    private final String registry;
    private final String credentialsId;
    private final String scope;

    Execution(StepContext context, String registry, String credentialsId, String scope) {
      super(context);
      this.registry = registry;
      this.credentialsId = credentialsId;
      this.scope = scope;
    }

    @Override
    protected String run() throws Exception {
      return obtain(getContext(), registry, credentialsId, scope).password;
    }
  }

  @Extension
  public static class DescriptorImpl extends AcrStepDescriptor {

    @Override
    public String getFunctionName() {
      return "acrToken";
    }

    @NonNull
    @Override
    public String getDisplayName() {
      return "Get an Azure Container Registry token";
    }

    @POST
    public FormValidation doCheckScope(@AncestorInPath Item item, @QueryParameter String value) {
      return StepForms.check(item, () -> {
        if (Util.fixEmptyAndTrim(value) == null) {
          return FormValidation.ok();
        }
        try {
          Scope.parse(value);
          return FormValidation.ok();
        } catch (IllegalArgumentException e) {
          return FormValidation.error(e.getMessage());
        }
      });
    }
  }
}
