package io.github.acrlogin.maven;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AuthAsArmStatus;
import io.github.acrlogin.auth.AuthenticationAsArmPolicy;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Registry;
import java.util.Map;
import java.util.Optional;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * What {@code acr:auth-policy} and {@code acr:verify-auth-policy} share: where the registry resource lives in Azure
 * Resource Manager and how to reach it.
 *
 * <p>The registry's authentication-as-arm policy is a property of the registry <em>resource</em>, so these goals
 * talk to the management plane (Azure Resource Manager) with an <b>ARM-audience</b> Entra token for the identity of
 * the {@code <auth>} block, whatever {@code <audience>} says. That identity needs
 * {@code Microsoft.ContainerRegistry/registries/read} on the registry to show the policy (e.g. Reader) and
 * {@code .../write} to change it (e.g. Contributor); the data-plane roles AcrPull and AcrPush are not enough. Admin
 * users and repository tokens cannot call ARM.
 */
abstract class AbstractAuthPolicyMojo extends AbstractAcrMojo {

  /**
   * Id (a GUID) of the Azure subscription that holds the registry, e.g. from {@code az account show --query id}.
   * Required.
   */
  @Parameter(property = "acr.subscriptionId")
  protected String subscriptionId;

  /** Resource group of the registry. Optional: without it the whole subscription is searched for the registry. */
  @Parameter(property = "acr.resourceGroup")
  protected String resourceGroup;

  /**
   * The {@code api-version} of {@code Microsoft.ContainerRegistry/registries} sent to Azure Resource Manager. Default:
   * {@code 2025-04-01} (shared-auth's {@code AuthenticationAsArmPolicy.DEFAULT_API_VERSION}); set e.g.
   * {@code 2023-11-01-preview} where a cloud does not offer it yet.
   */
  @Parameter(property = "acr.armApiVersion")
  protected String armApiVersion;

  /**
   * Azure Resource Manager endpoint for a custom cloud (or a test bed), e.g. {@code https://management.example.com}.
   * Default: the endpoint of the registry's {@code <cloud>} ({@code https://management.azure.com} in the public
   * cloud). The token's audience stays the cloud's ARM audience.
   */
  @Parameter(property = "acr.resourceManagerEndpoint")
  protected String resourceManagerEndpoint;

  protected AbstractAuthPolicyMojo(SettingsDecrypter decrypter) {
    super(decrypter);
  }

  /** Everything a policy call needs, validated before any network call. */
  protected final class Target {
    final Registry registry;
    final CredentialSource source;
    final String subscription;
    final Optional<String> group;
    final AuthenticationAsArmPolicy policy;

    private Target() throws ConfigurationProblem {
      this.registry = resolveRegistry();
      this.subscription = AuthPolicyConfig.subscriptionId(subscriptionId);
      this.group = AuthPolicyConfig.resourceGroup(resourceGroup);
      Map<String, String> env = environment();
      this.policy = AuthPolicyConfig.policy((version, endpoint) -> Authenticators.policy(env, version, endpoint),
          armApiVersion, resourceManagerEndpoint);
      this.source = credentialSource(registry);
      AuthPolicyConfig.requireEntraIdentity(source);
    }

    /** The current status; a failure is reported by {@link AbstractAcrMojo#execute()} as for every goal. */
    AuthAsArmStatus show() throws AcrAuthException {
      return policy.show(registry, source, subscription, group);
    }

    AuthAsArmStatus update(AuthAsArmStatus status) throws AcrAuthException {
      return policy.update(registry, source, subscription, group, status);
    }
  }

  protected final Target target() throws ConfigurationProblem {
    return new Target();
  }
}
