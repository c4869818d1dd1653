package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.CredentialsScope;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Item;
import hudson.util.FormValidation;
import io.github.acrlogin.auth.CredentialSource;
import java.util.Map;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * Microsoft Entra workload identity federation: an app registration that trusts an OIDC issuer, with the
 * federated token read on the agent, either from a file (AKS mounts one and sets
 * {@code AZURE_FEDERATED_TOKEN_FILE}) or from an environment variable of the step, which is how a token held in
 * a secret-text credential reaches it:
 * {@code withCredentials([string(credentialsId: 'oidc', variable: 'OIDC_TOKEN')]) { acrLogin(...) { } }}.
 *
 * <p>The variable indirection exists because secret-text credentials are a type of the plain-credentials
 * plugin, which this plugin does not depend on; {@code withCredentials} resolves them with the user's
 * permissions and masks them. Blank tenant and client ids default to the agent's {@code AZURE_TENANT_ID} and
 * {@code AZURE_CLIENT_ID}.
 */
public class AcrWorkloadIdentityCredentials extends AcrCredentials {

  private static final long serialVersionUID = 1L;

  private final String tenantId;
  private final String clientId;
  private String tokenFile;
  private String tokenVariable;

  @DataBoundConstructor
  public AcrWorkloadIdentityCredentials(@CheckForNull CredentialsScope scope, @CheckForNull String id,
      @CheckForNull String description, String tenantId, String clientId) {
    super(scope, id, description);
    this.tenantId = Util.fixEmptyAndTrim(tenantId);
    this.clientId = Util.fixEmptyAndTrim(clientId);
  }

  @CheckForNull
  public String getTenantId() {
    return tenantId;
  }

  @CheckForNull
  public String getClientId() {
    return clientId;
  }

  /** Path of the federated token file on the agent; blank for {@code AZURE_FEDERATED_TOKEN_FILE}. */
  @CheckForNull
  public String getTokenFile() {
    return tokenFile;
  }

  @DataBoundSetter
  public void setTokenFile(String tokenFile) {
    this.tokenFile = Util.fixEmptyAndTrim(tokenFile);
  }

  /** Name of an environment variable holding the federated token; takes precedence over the file. */
  @CheckForNull
  public String getTokenVariable() {
    return tokenVariable;
  }

  @DataBoundSetter
  public void setTokenVariable(String tokenVariable) {
    this.tokenVariable = Util.fixEmptyAndTrim(tokenVariable);
  }

  @NonNull // never null here, unlike AcrCredentials#machineIdentity (keeps SpotBugs from inheriting @CheckForNull)
  @Override
  MachineIdentity machineIdentity() {
    return MachineIdentity.workload(tenantId, clientId, tokenFile, tokenVariable);
  }

  @Override
  CredentialSource source(Map<String, String> environment) {
    return machineIdentity().toSource(environment);
  }

  @Extension
  @Symbol("acrWorkloadIdentity")
  public static class DescriptorImpl extends AppRegistrationDescriptor {

    public DescriptorImpl() {
      super(true);
    }

    @NonNull
    @Override
    public String getDisplayName() {
      return "Azure Container Registry: workload identity (federated token)";
    }

    @POST
    public FormValidation doCheckTokenVariable(@AncestorInPath Item item, @QueryParameter String value) {
      FormSupport.checkCanConfigureCredentials(item);
      String v = Util.fixEmptyAndTrim(value);
      return v == null || FormSupport.isVariableName(v) ? FormValidation.ok()
          : FormValidation.error("An environment variable name: letters, digits and '_', e.g. OIDC_TOKEN");
    }

    /** Logs in from the controller, reading the token file there (the controller's environment). */
    @POST
    public FormValidation doTestConnection(@AncestorInPath Item item, @QueryParameter String tenantId,
        @QueryParameter String clientId, @QueryParameter String tokenFile, @QueryParameter String registry,
        @QueryParameter String cloud) {
      return testConnection(item, registry, cloud, () -> MachineIdentity.workload(Util.fixEmptyAndTrim(tenantId),
          Util.fixEmptyAndTrim(clientId), Util.fixEmptyAndTrim(tokenFile), null).toSource(System.getenv()));
    }
  }
}
