package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import com.cloudbees.plugins.credentials.impl.BaseStandardCredentials;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Util;
import hudson.model.Item;
import hudson.remoting.Channel;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import hudson.util.Secret;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import java.util.Map;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * An Azure identity that logs in to Azure Container Registry.
 *
 * <p>Every ACR credential is a {@link StandardUsernamePasswordCredentials}, so that it appears wherever
 * username/password credentials are offered ({@code withCredentials(usernamePassword(...))},
 * {@code docker.withRegistry}, ...). Its username is the null GUID ACR expects with a refresh token, and
 * {@link #getPassword()} returns a fresh ACR refresh token for {@linkplain #getRegistry() its registry},
 * cached JVM-wide until shortly before it expires.
 *
 * <p><b>Without a registry</b>, {@link #getPassword()} cannot know which registry to log in to and throws an
 * {@link IllegalStateException} saying so; such a credential is meant for {@code acrLogin}, {@code acrToken} and
 * the build wrapper, which name the registry themselves. (Splitting the type in two would make a credential
 * change its type when the registry field is edited, which the credentials store does not support.)
 *
 * <p>{@code getPassword()} runs wherever it is called, normally the controller: a managed or workload identity
 * used that way is the <em>controller's</em>. The steps obtain those tokens on the agent instead. Sent to an
 * agent, the credential travels as a snapshot holding a token, never the secrets it is made from.
 */
public abstract class AcrCredentials extends BaseStandardCredentials implements StandardUsernamePasswordCredentials {

  private static final long serialVersionUID = 1L;
  static final String DEFAULT_CLOUD = "AzureCloud";

  private String registry;
  private String cloud;

  protected AcrCredentials(@CheckForNull CredentialsScope scope, @CheckForNull String id,
      @CheckForNull String description) {
    super(scope, id, description);
  }

  /** The registry that {@link #getPassword()} logs in to; null for credentials used only by the steps. */
  @CheckForNull
  public String getRegistry() {
    return registry;
  }

  @DataBoundSetter
  public void setRegistry(String registry) {
    this.registry = Util.fixEmptyAndTrim(registry);
  }

  /** {@code AzureCloud}, {@code AzureChinaCloud} or {@code AzureUSGovernment}. */
  @NonNull
  public String getCloud() {
    return cloud == null ? DEFAULT_CLOUD : cloud;
  }

  @DataBoundSetter
  public void setCloud(String cloud) {
    String c = Util.fixEmptyAndTrim(cloud);
    this.cloud = c == null || c.equals(DEFAULT_CLOUD) ? null : c;
  }

  AzureCloud azureCloud() {
    return AzureCloud.named(getCloud());
  }

  /**
   * The identity for a login made in this JVM.
   *
   * @param environment where to read Azure defaults such as {@code AZURE_FEDERATED_TOKEN_FILE}
   * @throws IllegalArgumentException when the configuration is incomplete, saying what is missing
   */
  abstract CredentialSource source(Map<String, String> environment);

  /** For managed and workload identities (which belong to the machine that calls): what the agent needs. */
  @CheckForNull
  MachineIdentity machineIdentity() {
    return null;
  }

  @NonNull
  @Override
  public String getUsername() {
    return RegistryLogin.TOKEN_USERNAME;
  }

  @Override
  public boolean isUsernameSecret() {
    return false;
  }

  /**
   * A fresh ACR refresh token for {@link #getRegistry()}, logged in from this JVM.
   *
   * @throws IllegalStateException without a registry, or when the login fails (with shared-auth's one-line
   *     "what failed, why, what to do" message, which never contains a secret)
   */
  @NonNull
  @Override
  public Secret getPassword() {
    if (registry == null) {
      throw new IllegalStateException("ACR credentials '" + getId() + "' have no registry, so they cannot produce"
          + " a password on their own. Fix: set a registry on the credentials, or use them with"
          + " acrLogin(registry: ..., credentialsId: '" + getId() + "')");
    }
    try {
      Registry r = Registry.parse(registry, azureCloud());
      RegistryLogin login = Authenticators.controller().login(r, source(System.getenv()));
      return Secret.fromString(login.password().reveal());
    } catch (AcrAuthException | IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage());
    }
  }

  /**
   * Sent over remoting, becomes a snapshot with the current token: the agent never sees the client secret or
   * certificate, and cannot mint tokens itself (compare {@code GitHubAppCredentials}).
   */
  protected Object writeReplace() {
    if (Channel.current() == null) {
      return this; // XStream persistence
    }
    Secret password = null;
    String problem = null;
    try {
      password = getPassword();
    } catch (IllegalStateException e) {
      problem = e.getMessage();
    }
    return new Snapshot(getScope(), getId(), getDescription(), getUsername(), password, problem);
  }

  /**
   * The form methods of every ACR credential type: the optional registry and the cloud, both in
   * {@code registry-and-cloud.jelly}. Each method checks that the user may create or update credentials where the
   * form is. Public (with public methods) because Stapler and {@code Descriptor} find {@code doCheck*},
   * {@code doFill*Items} and {@code doTestConnection} among the public methods of the descriptor's class and its
   * superclasses, and invoke them by reflection; concrete descriptors stay nested in their credential class, where
   * {@code Descriptor()} finds the type they describe.
   */
  public abstract static class AcrCredentialsDescriptor extends BaseStandardCredentialsDescriptor {

    @POST
    public FormValidation doCheckRegistry(@AncestorInPath Item item, @QueryParameter String value) {
      FormSupport.checkCanConfigureCredentials(item);
      return FormSupport.checkRegistry(value, true);
    }

    @POST
    public ListBoxModel doFillCloudItems(@AncestorInPath Item item) {
      FormSupport.checkCanConfigureCredentials(item);
      return FormSupport.cloudItems();
    }

    /**
     * "Test connection" after the permission check: builds the source from the form (reporting an invalid field)
     * and logs in for real, from the controller.
     */
    static FormValidation testConnection(Item item, String registry, String cloud,
        FormSupport.SourceFromForm source) {
      FormSupport.checkCanConfigureCredentials(item);
      return FormSupport.testLogin(registry, cloud, source);
    }
  }

  /**
   * For identities that are an Entra app registration (service principal, workload identity): also the tenant and
   * client id fields.
   */
  public abstract static class AppRegistrationDescriptor extends AcrCredentialsDescriptor {

    private final boolean idsOptional;

    /** @param idsOptional whether blank tenant and client ids are accepted (they then come from the agent) */
    protected AppRegistrationDescriptor(boolean idsOptional) {
      this.idsOptional = idsOptional;
    }

    @POST
    public FormValidation doCheckTenantId(@AncestorInPath Item item, @QueryParameter String value) {
      FormSupport.checkCanConfigureCredentials(item);
      return FormSupport.checkTenant(value, idsOptional);
    }

    @POST
    public FormValidation doCheckClientId(@AncestorInPath Item item, @QueryParameter String value) {
      FormSupport.checkCanConfigureCredentials(item);
      return FormSupport.checkGuid("client (application) id", value, idsOptional);
    }
  }

  /** What an agent receives: a username and a token that was valid when it was sent. */
  private static final class Snapshot extends BaseStandardCredentials implements StandardUsernamePasswordCredentials {
    private static final long serialVersionUID = 1L;
    private final String username;
    private final Secret password;
    private final String problem;

    Snapshot(CredentialsScope scope, String id, String description, String username, Secret password,
        String problem) {
      super(scope, id, description);
      this.username = username;
      this.password = password;
      this.problem = problem;
    }

    @NonNull
    @Override
    public String getUsername() {
      return username;
    }

    @Override
    public boolean isUsernameSecret() {
      return false;
    }

    @NonNull
    @Override
    public Secret getPassword() {
      if (password == null) {
        throw new IllegalStateException(problem);
      }
      return password;
    }
  }
}
