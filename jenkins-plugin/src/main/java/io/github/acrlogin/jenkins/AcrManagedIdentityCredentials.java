package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.CredentialsScope;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Item;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.CredentialSource.ManagedIdentityId;
import java.util.Map;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * The Azure managed identity of the machine that logs in: system-assigned, or user-assigned by client id,
 * object id or resource id. The steps log in on the agent, whose identity it is; nothing secret is stored.
 */
public class AcrManagedIdentityCredentials extends AcrCredentials {

  private static final long serialVersionUID = 1L;

  private ManagedIdentityId identityType;
  private String identityId;

  @DataBoundConstructor
  public AcrManagedIdentityCredentials(@CheckForNull CredentialsScope scope, @CheckForNull String id,
      @CheckForNull String description) {
    super(scope, id, description);
  }

  @NonNull
  public ManagedIdentityId getIdentityType() {
    return identityType == null ? ManagedIdentityId.SYSTEM_ASSIGNED : identityType;
  }

  @DataBoundSetter
  public void setIdentityType(ManagedIdentityId identityType) {
    this.identityType = identityType == ManagedIdentityId.SYSTEM_ASSIGNED ? null : identityType;
  }

  /** Client id, object id or resource id of a user-assigned identity; empty for the system-assigned one. */
  @CheckForNull
  public String getIdentityId() {
    return identityId;
  }

  @DataBoundSetter
  public void setIdentityId(String identityId) {
    this.identityId = Util.fixEmptyAndTrim(identityId);
  }

  @NonNull // never null here, unlike AcrCredentials#machineIdentity (keeps SpotBugs from inheriting @CheckForNull)
  @Override
  MachineIdentity machineIdentity() {
    return MachineIdentity.managed(getIdentityType(), identityId);
  }

  @Override
  CredentialSource source(Map<String, String> environment) {
    return machineIdentity().toSource(environment);
  }

  @Extension
  @Symbol("acrManagedIdentity")
  public static class DescriptorImpl extends AcrCredentialsDescriptor {

    @NonNull
    @Override
    public String getDisplayName() {
      return "Azure Container Registry: managed identity";
    }

    @POST
    public ListBoxModel doFillIdentityTypeItems(@AncestorInPath Item item) {
      FormSupport.checkCanConfigureCredentials(item);
      ListBoxModel m = new ListBoxModel();
      m.add("System-assigned", ManagedIdentityId.SYSTEM_ASSIGNED.name());
      m.add("User-assigned, by client id", ManagedIdentityId.CLIENT_ID.name());
      m.add("User-assigned, by object (principal) id", ManagedIdentityId.OBJECT_ID.name());
      m.add("User-assigned, by resource id", ManagedIdentityId.RESOURCE_ID.name());
      return m;
    }

    @POST
    public FormValidation doCheckIdentityId(@AncestorInPath Item item, @QueryParameter String identityType,
        @QueryParameter String value) {
      FormSupport.checkCanConfigureCredentials(item);
      ManagedIdentityId type;
      try {
        type = typeOf(identityType);
      } catch (IllegalArgumentException e) {
        return FormValidation.error("Unknown identity type " + identityType);
      }
      try {
        // shared-auth validates each id form and names a valid example
        if (type == ManagedIdentityId.SYSTEM_ASSIGNED) {
          return Util.fixEmptyAndTrim(value) == null ? FormValidation.ok()
              : FormValidation.error("A system-assigned identity takes no id");
        }
        CredentialSource.managedIdentity(type, value);
        return FormValidation.ok();
      } catch (IllegalArgumentException e) {
        return FormValidation.error(e.getMessage());
      }
    }

    /** Logs in from the controller with the controller's own identity (agents have their own). */
    @POST
    public FormValidation doTestConnection(@AncestorInPath Item item, @QueryParameter String identityType,
        @QueryParameter String identityId, @QueryParameter String registry, @QueryParameter String cloud) {
      return testConnection(item, registry, cloud, () -> MachineIdentity.managed(typeOf(identityType),
          Util.fixEmptyAndTrim(identityId)).toSource(System.getenv()));
    }

    /** Blank is the system-assigned identity; an unknown name fails with an {@link IllegalArgumentException}. */
    private static ManagedIdentityId typeOf(String identityType) {
      return Util.fixEmptyAndTrim(identityType) == null
          ? ManagedIdentityId.SYSTEM_ASSIGNED : ManagedIdentityId.valueOf(identityType);
    }
  }
}
