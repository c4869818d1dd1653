package io.github.acrlogin.maven;

import io.github.acrlogin.auth.AuthAsArmStatus;
import io.github.acrlogin.auth.AuthenticationAsArmPolicy;
import io.github.acrlogin.auth.CredentialSource;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Validates the parameters of {@code acr:auth-policy} and {@code acr:verify-auth-policy} before any network call.
 * Pure logic, unit-tested; each failure is a {@link ConfigurationProblem} naming the XML element and user property.
 */
final class AuthPolicyConfig {

  private static final Pattern RESOURCE_GROUP = Pattern.compile("[-\\w._()]{1,90}");

  /** Makes the authentication-as-arm client; shared-auth's builder validates its settings. */
  interface PolicyFactory {
    /**
     * @param endpoint null for the registry cloud's
     * @throws IllegalArgumentException for an invalid api-version or endpoint
     */
    AuthenticationAsArmPolicy create(String apiVersion, String endpoint);
  }

  private AuthPolicyConfig() {}

  /** {@code <subscriptionId>}: required, a GUID. */
  static String subscriptionId(String value) throws ConfigurationProblem {
    if (value == null || value.isBlank()) {
      throw new ConfigurationProblem("No subscription configured: set <subscriptionId> (or -Dacr.subscriptionId) to"
          + " the id of the subscription that holds the registry (az account show --query id)");
    }
    String v = value.trim();
    if (!CredentialSource.isGuid(v)) {
      throw new ConfigurationProblem("<subscriptionId> (acr.subscriptionId) '" + v + "' is not a subscription id:"
          + " use the GUID, e.g. 00000000-0000-0000-0000-000000000000 (az account show --query id), not the name");
    }
    return v.toLowerCase(Locale.ROOT);
  }

  /** {@code <resourceGroup>}: optional; narrows the search for the registry. */
  static Optional<String> resourceGroup(String value) throws ConfigurationProblem {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String v = value.trim();
    if (!RESOURCE_GROUP.matcher(v).matches() || v.endsWith(".")) {
      throw new ConfigurationProblem("<resourceGroup> (acr.resourceGroup) '" + v + "' is not a resource group name:"
          + " 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'");
    }
    return Optional.of(v);
  }

  /**
   * The authentication-as-arm client for {@code <armApiVersion>} (default
   * {@link AuthenticationAsArmPolicy#DEFAULT_API_VERSION}) and {@code <resourceManagerEndpoint>} (default: the
   * registry cloud's). shared-auth validates both; each invalid one is reported by its element and user property.
   */
  static AuthenticationAsArmPolicy policy(PolicyFactory factory, String apiVersion, String resourceManagerEndpoint)
      throws ConfigurationProblem {
    String version = apiVersion == null || apiVersion.isBlank()
        ? AuthenticationAsArmPolicy.DEFAULT_API_VERSION : apiVersion.trim();
    String endpoint = resourceManagerEndpoint == null || resourceManagerEndpoint.isBlank()
        ? null : resourceManagerEndpoint.trim();
    AuthenticationAsArmPolicy policy;
    try {
      policy = factory.create(version, null);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationProblem("<armApiVersion> (acr.armApiVersion) '" + version + "' is not valid ("
          + e.getMessage() + "): use the form " + AuthenticationAsArmPolicy.DEFAULT_API_VERSION + " (the default) or"
          + " 2023-11-01-preview");
    }
    if (endpoint == null) {
      return policy;
    }
    try {
      return factory.create(version, endpoint);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationProblem("<resourceManagerEndpoint> (acr.resourceManagerEndpoint) '" + endpoint
          + "' is not valid (" + e.getMessage() + "): use the URL of the cloud's Azure Resource Manager without path"
          + " or query, e.g. https://management.azure.com");
    }
  }

  /**
   * A status parameter ({@code <authAsArm>}, {@code <expectAuthAsArm>}); empty when not set.
   *
   * @param element the XML element, for the message
   * @param property the user property, for the message
   */
  static Optional<AuthAsArmStatus> status(String value, String element, String property)
      throws ConfigurationProblem {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(AuthAsArmStatus.parse(value));
    } catch (IllegalArgumentException e) {
      throw new ConfigurationProblem("<" + element + "> (" + property + ") '" + value.trim() + "' is not valid: use"
          + " disabled (recommended: only ACR-audience tokens) or enabled (ARM-audience tokens too)");
    }
  }

  /** The management plane needs an Entra identity: admin users and repository tokens cannot call ARM. */
  static void requireEntraIdentity(CredentialSource source) throws ConfigurationProblem {
    if (source.kind().isBasic()) {
      throw new ConfigurationProblem("<auth><method> (acr.auth.method): a " + source.kind().label() + " cannot read"
          + " or change the registry's authentication-as-arm policy, which lives in Azure Resource Manager: use a"
          + " Microsoft Entra identity (service-principal, managed-identity, workload-identity, azure-cli, default)");
    }
  }

  /** What to run to bring the registry to {@code wanted}: this plugin's goal, or the Azure CLI. */
  static String fix(String registryName, AuthAsArmStatus wanted) {
    return "mvn acr:auth-policy -Dacr.authAsArm=" + wanted.value() + " or az acr config authentication-as-arm update"
        + " -r " + registryName + " --status " + wanted.value();
  }
}
