package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AuthAsArmStatus;
import io.github.acrlogin.auth.AuthenticationAsArmPolicy;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Registry;
import java.util.Map;
import java.util.Optional;
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
 * {@code def status = acrAuthPolicy(registry: 'myregistry', credentialsId: 'azure', subscriptionId: '...')}: the
 * registry's authentication-as-arm status ({@code enabled} or {@code disabled}), read through Azure Resource
 * Manager as {@code az acr config authentication-as-arm show} does. {@code update: 'disabled'} changes it first;
 * {@code failIfArmEnabled: true} makes the step a gate that fails the build while the registry accepts
 * ARM-audience tokens.
 *
 * <p>This is the management plane: the credential's identity gets an ARM-audience token and needs
 * {@code Microsoft.ContainerRegistry/registries/read} (show) or {@code /write} (update) on the registry, e.g.
 * Reader or Contributor; AcrPull/AcrPush are not enough. Managed and workload identities call ARM from the agent
 * that owns them, like the other steps.
 */
public class AcrAuthPolicyStep extends Step {

  private final String registry;
  private final String credentialsId;
  private final String subscriptionId;
  private String resourceGroup;
  private String update;
  private boolean failIfArmEnabled;

  @DataBoundConstructor
  public AcrAuthPolicyStep(String registry, String credentialsId, String subscriptionId) {
    this.registry = registry;
    this.credentialsId = credentialsId;
    this.subscriptionId = Util.fixEmptyAndTrim(subscriptionId);
  }

  public String getRegistry() {
    return registry;
  }

  public String getCredentialsId() {
    return credentialsId;
  }

  public String getSubscriptionId() {
    return subscriptionId;
  }

  @CheckForNull
  public String getResourceGroup() {
    return resourceGroup;
  }

  /** Optional: the registry's resource group, to list fewer registries. */
  @DataBoundSetter
  public void setResourceGroup(String resourceGroup) {
    this.resourceGroup = Util.fixEmptyAndTrim(resourceGroup);
  }

  @CheckForNull
  public String getUpdate() {
    return update;
  }

  /** Optional: {@code enabled} or {@code disabled} to change the status; empty to only read it. */
  @DataBoundSetter
  public void setUpdate(String update) {
    this.update = Util.fixEmptyAndTrim(update);
  }

  public boolean isFailIfArmEnabled() {
    return failIfArmEnabled;
  }

  /** Fail the build (after any update) while the registry accepts ARM-audience tokens. */
  @DataBoundSetter
  public void setFailIfArmEnabled(boolean failIfArmEnabled) {
    this.failIfArmEnabled = failIfArmEnabled;
  }

  @Override
  public StepExecution start(StepContext context) {
    return new Execution(context, this);
  }

  /** Reads (and optionally changes) the status on the right machine; gates; returns the status. */
  static String run(StepContext c, String registryRef, String credentialsId, String subscriptionId,
      @CheckForNull String resourceGroup, @CheckForNull String update, boolean failIfArmEnabled) throws Exception {
    if (!CredentialSource.isGuid(subscriptionId)) {
      throw new AbortException("acrAuthPolicy: subscriptionId '" + (subscriptionId == null ? "" : subscriptionId)
          + "' is not a subscription id (a GUID). Fix: pass the subscription that holds the registry, as"
          + " az account show --query id prints it");
    }
    AuthAsArmStatus wanted;
    try {
      wanted = update == null ? null : AuthAsArmStatus.parse(update);
    } catch (IllegalArgumentException e) {
      throw new AbortException("acrAuthPolicy: update: " + e.getMessage());
    }
    Run<?, ?> run = c.get(Run.class);
    StandardUsernamePasswordCredentials credential = RegistryAccess.credential(credentialsId, run);
    if (!(credential instanceof AcrCredentials)) {
      throw new AbortException("acrAuthPolicy: credentials '" + credentialsId + "' are a username and password,"
          + " which cannot call Azure Resource Manager. Fix: use an ACR credential (service principal, managed or"
          + " workload identity) whose identity may read the registry resource (e.g. Reader)");
    }
    Registry registry = RegistryAccess.registry(registryRef, credential);
    String wantedValue = wanted == null ? null : wanted.value();
    String resourceManagerEndpoint = Authenticators.resourceManagerEndpointOverride();
    String status = RegistryAccess.withIdentity(credential, registry, c.get(FilePath.class), c.get(EnvVars.class),
        source -> apply(Authenticators.controllerPolicy(), registry, source, subscriptionId, resourceGroup, wanted)
            .value(),
        (identity, variables) -> new OnAgent(identity, registry, variables, subscriptionId, resourceGroup, wantedValue,
            resourceManagerEndpoint));
    c.get(TaskListener.class).getLogger().println("acrAuthPolicy: authentication-as-arm of " + registry.loginServer()
        + " is " + status + (wanted != null ? " (update: " + wanted.value() + ")" : "")
        + ("enabled".equals(status) ? ": it accepts ARM-audience tokens" : ": it accepts only ACR-audience tokens"));
    if (failIfArmEnabled && "enabled".equals(status)) {
      throw new AbortException("Registry " + registry.loginServer() + " accepts ARM-audience tokens"
          + " (authentication-as-arm is enabled). Fix: acrAuthPolicy(registry: '" + registryRef + "', credentialsId: '"
          + credentialsId + "', subscriptionId: '" + subscriptionId + "', update: 'disabled') or az acr config"
          + " authentication-as-arm update -r " + registry.name() + " --status disabled");
    }
    return status;
  }

  static AuthAsArmStatus apply(AuthenticationAsArmPolicy policy, Registry registry, CredentialSource source,
      String subscriptionId, @CheckForNull String resourceGroup, @CheckForNull AuthAsArmStatus wanted)
      throws AcrAuthException {
    Optional<String> group = Optional.ofNullable(resourceGroup);
    return wanted == null
        ? policy.show(registry, source, subscriptionId, group)
        : policy.update(registry, source, subscriptionId, group, wanted);
  }

  /** The ARM calls with a machine identity, where it lives. Carries ids and settings only, never a secret. */
  static final class OnAgent extends AgentCalls.WithIdentity<String> {
    private static final long serialVersionUID = 1L;

    private final String subscriptionId;
    private final String resourceGroup;
    private final String update;
    private final String resourceManagerEndpoint;

    OnAgent(MachineIdentity identity, Registry registry, Map<String, String> environment, String subscriptionId,
        String resourceGroup, String update, String resourceManagerEndpoint) {
      super(identity, registry, environment);
      this.subscriptionId = subscriptionId;
      this.resourceGroup = resourceGroup;
      this.update = update;
      this.resourceManagerEndpoint = resourceManagerEndpoint;
    }

    @Override
    String run(Map<String, String> settings, Registry registry, CredentialSource source) throws AcrAuthException {
      AuthenticationAsArmPolicy policy = Authenticators.policyForEnvironment(settings, resourceManagerEndpoint);
      return apply(policy, registry, source, subscriptionId, resourceGroup,
          update == null ? null : AuthAsArmStatus.parse(update)).value();
    }
  }

  private static final class Execution extends SynchronousNonBlockingStepExecution<String> {
    private static final long serialVersionUID = 1L;
    private final String registry;
    private final String credentialsId;
    private final String subscriptionId;
    private final String resourceGroup;
    private final String update;
    private final boolean failIfArmEnabled;

    Execution(StepContext context, AcrAuthPolicyStep step) {
      super(context);
      this.registry = step.registry;
      this.credentialsId = step.credentialsId;
      this.subscriptionId = step.subscriptionId;
      this.resourceGroup = step.resourceGroup;
      this.update = step.update;
      this.failIfArmEnabled = step.failIfArmEnabled;
    }

    @Override
    protected String run() throws Exception {
      return AcrAuthPolicyStep.run(getContext(), registry, credentialsId, subscriptionId, resourceGroup, update,
          failIfArmEnabled);
    }
  }

  @Extension
  public static class DescriptorImpl extends AcrStepDescriptor {

    @Override
    public String getFunctionName() {
      return "acrAuthPolicy";
    }

    @NonNull
    @Override
    public String getDisplayName() {
      return "Show, change or enforce an Azure Container Registry's authentication-as-arm policy";
    }

    /** A fixed list; like the other list boxes, shown only to users who may configure the job. */
    @POST
    public ListBoxModel doFillUpdateItems(@AncestorInPath Item item) {
      ListBoxModel m = new ListBoxModel();
      if (!FormSupport.canConfigureJob(item)) {
        return m;
      }
      m.add("Do not change (show only)", "");
      m.add("disabled: accept only ACR-audience tokens (recommended)", "disabled");
      m.add("enabled: also accept ARM-audience tokens (Azure's default)", "enabled");
      return m;
    }

    @POST
    public FormValidation doCheckSubscriptionId(@AncestorInPath Item item, @QueryParameter String value) {
      return StepForms.check(item, () -> {
        String v = Util.fixEmptyAndTrim(value);
        if (v == null) {
          return FormValidation.error("Enter the subscription id that holds the registry (az account show --query id)");
        }
        return v.contains("${") || CredentialSource.isGuid(v) ? FormValidation.ok()
            : FormValidation.error("A subscription id is a GUID, e.g. 2f1c7a9e-0d3b-4c55-9a8e-5b6d7e8f9a0b");
      });
    }
  }
}
