package io.github.acrlogin.maven;

import io.github.acrlogin.auth.AuthAsArmStatus;
import io.github.acrlogin.auth.AuthenticationAsArmPolicy;
import io.github.acrlogin.auth.CredentialSource;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Validates the parameters of {@code acr:auth-policy} and {@code acr:verify-auth-policy} before any network call.
 * Pure logic, unit-tested; each failure is a {@link ConfigurationProblem} naming the XML element and user property.
 */
final class AuthPolicyConfig {

  private static final Pattern GUID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern RESOURCE_GROUP = Pattern.compile("[-\\w._()]{1,90}");
  private static final Pattern API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");

  private AuthPolicyConfig() {}

  /** {@code <subscriptionId>}: required, a GUID. */
  static String subscriptionId(String value) throws ConfigurationProblem {
    if (value == null || value.isBlank()) {
      throw new ConfigurationProblem("No subscription configured: set <subscriptionId> (or -Dacr.subscriptionId) to"
          + " the id of the subscription that holds the registry (az account show --query id)");
    }
    String v = value.trim();
    if (!GUID.matcher(v).matches()) {
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

  /** {@code <armApiVersion>}: optional; default {@link AuthenticationAsArmPolicy#DEFAULT_API_VERSION}. */
  static String apiVersion(String value) throws ConfigurationProblem {
    if (value == null || value.isBlank()) {
      return AuthenticationAsArmPolicy.DEFAULT_API_VERSION;
    }
    String v = value.trim();
    if (!API_VERSION.matcher(v).matches()) {
      throw new ConfigurationProblem("<armApiVersion> (acr.armApiVersion) '" + v + "' is not an api-version: use"
          + " the form " + AuthenticationAsArmPolicy.DEFAULT_API_VERSION + " (the default) or 2023-11-01-preview");
    }
    return v;
  }

  /** {@code <resourceManagerEndpoint>}: optional; an http(s) URL without path or query. */
  static Optional<String> resourceManagerEndpoint(String value) throws ConfigurationProblem {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String v = value.trim().replaceAll("/+$", "");
    String problem = "<resourceManagerEndpoint> (acr.resourceManagerEndpoint) '" + v + "' is not valid: use the"
        + " URL of the cloud's Azure Resource Manager without path or query, e.g. https://management.azure.com";
    try {
      URI uri = URI.create(v);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null || uri.getRawQuery() != null
          || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())) {
        throw new ConfigurationProblem(problem);
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigurationProblem(problem);
    }
    return Optional.of(v);
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
