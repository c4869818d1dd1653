package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.Extension;
import hudson.Util;
import hudson.console.ConsoleLogFilter;
import hudson.model.Item;
import hudson.model.Run;
import hudson.util.FormValidation;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jenkinsci.plugins.workflow.steps.BodyExecutionCallback;
import org.jenkinsci.plugins.workflow.steps.BodyInvoker;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;
import org.jenkinsci.plugins.workflow.steps.GeneralNonBlockingStepExecution;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code withAcrToken(registry: 'myregistry', credentialsId: 'acr', variable: 'ACR_TOKEN') { sh 'helm ...' }}:
 * the masked block form of {@code acrToken}. The token is bound to {@code variable} (declared sensitive, so
 * Pipeline warns about interpolating it) and masked in the block's log.
 *
 * <p>The token is kept in controller memory under a random key, not in the Pipeline program: after a controller
 * restart it is obtained again (cached by the authenticator) for secret-based credentials, and the block fails
 * with a clear message for managed and workload identities, whose tokens only their agent can mint.
 */
public class WithAcrTokenStep extends Step {

  private static final Map<String, String> TOKENS = new ConcurrentHashMap<>();

  private final String registry;
  private final String credentialsId;
  private final String variable;
  private String scope;

  @DataBoundConstructor
  public WithAcrTokenStep(String registry, String credentialsId, String variable) {
    this.registry = registry;
    this.credentialsId = credentialsId;
    this.variable = variable;
  }

  public String getRegistry() {
    return registry;
  }

  public String getCredentialsId() {
    return credentialsId;
  }

  public String getVariable() {
    return variable;
  }

  @CheckForNull
  public String getScope() {
    return scope;
  }

  @DataBoundSetter
  public void setScope(String scope) {
    this.scope = Util.fixEmptyAndTrim(scope);
  }

  @Override
  public StepExecution start(StepContext context) {
    return new Execution(context, registry, credentialsId, variable, scope);
  }

  private static final class Execution extends GeneralNonBlockingStepExecution {
    private static final long serialVersionUID = 1L;
    private final String registry;
    private final String credentialsId;
    private final String variable;
    private final String scope;

    Execution(StepContext context, String registry, String credentialsId, String variable, String scope) {
      super(context);
      this.registry = registry;
      this.credentialsId = credentialsId;
      this.variable = variable;
      this.scope = scope;
    }

    @Override
    public boolean start() {
      run(this::begin);
      return false;
    }

    private void begin() throws Exception {
      if (variable == null || !FormSupport.isVariableName(variable)) {
        throw new AbortException("withAcrToken needs variable: a name such as ACR_TOKEN");
      }
      StepContext c = getContext();
      Run<?, ?> run = c.get(Run.class);
      LoginResult token = AcrTokenStep.obtain(c, registry, credentialsId, scope);
      String key = UUID.randomUUID().toString();
      TOKENS.put(key, token.password);
      c.newBodyInvoker()
          .withContext(EnvironmentExpander.merge(c.get(EnvironmentExpander.class),
              new TokenExpander(variable, key, run.getExternalizableId(), registry, credentialsId, scope)))
          .withContext(BodyInvoker.mergeConsoleLogFilters(c.get(ConsoleLogFilter.class),
              TokenMaskingFilter.of(List.of(token.password), run.getCharset())))
          .withCallback(new Forget(key))
          .start();
    }
  }

  /** Supplies the variable from controller memory; holds only a random key and where to get the token again. */
  private static final class TokenExpander extends EnvironmentExpander {
    private static final long serialVersionUID = 1L;
    private final String variable;
    private final String key;
    private final String runId;
    private final String registry;
    private final String credentialsId;
    private final String scope;

    TokenExpander(String variable, String key, String runId, String registry, String credentialsId, String scope) {
      this.variable = variable;
      this.key = key;
      this.runId = runId;
      this.registry = registry;
      this.credentialsId = credentialsId;
      this.scope = scope;
    }

    @Override
    public void expand(@NonNull EnvVars env) throws IOException, InterruptedException {
      String token = TOKENS.get(key);
      if (token == null) {
        token = again();
        TOKENS.put(key, token);
      }
      env.override(variable, token);
    }

    private String again() throws IOException, InterruptedException {
      Run<?, ?> run = Run.fromExternalizableId(runId);
      if (run == null) {
        throw new AbortException("withAcrToken: build " + runId + " is gone");
      }
      StandardUsernamePasswordCredentials credential = RegistryAccess.credential(credentialsId, run);
      if (RegistryAccess.onAgent(credential)) {
        throw new AbortException("withAcrToken: the token of managed/workload identity '" + credentialsId
            + "' is not kept across a controller restart. Fix: call withAcrToken again after the restart");
      }
      return RegistryAccess.token(credential, RegistryAccess.registry(registry, credential), null,
          new EnvVars(), scope).password;
    }

    @NonNull
    @Override
    public Set<String> getSensitiveVariables() {
      return Set.of(variable);
    }
  }

  private static final class Forget extends BodyExecutionCallback.TailCall {
    private static final long serialVersionUID = 1L;
    private final String key;

    Forget(String key) {
      this.key = key;
    }

    @Override
    protected void finished(StepContext context) {
      TOKENS.remove(key);
    }
  }

  @Extension
  public static class DescriptorImpl extends AcrStepDescriptor {

    @Override
    public String getFunctionName() {
      return "withAcrToken";
    }

    @NonNull
    @Override
    public String getDisplayName() {
      return "Bind an Azure Container Registry token to a masked variable";
    }

    @Override
    public boolean takesImplicitBlockArgument() {
      return true;
    }

    @POST
    public FormValidation doCheckVariable(@AncestorInPath Item item, @QueryParameter String value) {
      return StepForms.check(item, () -> value != null && FormSupport.isVariableName(value) ? FormValidation.ok()
          : FormValidation.error("A variable name such as ACR_TOKEN"));
    }
  }
}
