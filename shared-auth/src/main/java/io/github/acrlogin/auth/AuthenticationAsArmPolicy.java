package io.github.acrlogin.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.acrlogin.auth.internal.EntraTokens;
import io.github.acrlogin.auth.internal.ResourceManagerClient;
import io.github.acrlogin.auth.internal.RetryPolicy;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Shows and changes a registry's <em>authentication-as-arm</em> policy ({@code azureADAuthenticationAsArmPolicy})
 * without the Azure CLI: what {@code az acr config authentication-as-arm show|update} do.
 *
 * <p>This is the <b>management plane</b>: the calls go to Azure Resource Manager with an <b>ARM-audience</b>
 * Entra token for the given identity ({@code source.withAudience(Audience.ARM)}), whatever audience the source
 * uses for registry logins. The identity needs {@code Microsoft.ContainerRegistry/registries/read} on the
 * registry to show the policy (e.g. Reader) and {@code .../write} to change it (e.g. Contributor); AcrPull and
 * AcrPush are data-plane roles and are not enough. The registry is found by its login server (or name) among
 * the registries that the subscription, or one of its resource groups, lists for the identity.
 *
 * <pre>{@code
 * AuthenticationAsArmPolicy policy = AuthenticationAsArmPolicy.builder(acr).build(); // acr: the AcrAuthenticator
 * if (policy.show(registry, source, subscriptionId, Optional.empty()).acceptsArmTokens()) {
 *   policy.update(registry, source, subscriptionId, Optional.empty(), AuthAsArmStatus.DISABLED);
 * }
 * }</pre>
 *
 * <p>A change applies to new token exchanges: refresh tokens that a registry issued before it keep working
 * until they expire (about three hours). Thread-safe. It uses its authenticator's transport, Entra credentials,
 * retry budget, listener and client name, so it is configured where the authenticator is.
 */
public final class AuthenticationAsArmPolicy {

  /**
   * The first generally available api-version of {@code Microsoft.ContainerRegistry/registries} whose
   * {@code Policies} carry {@code azureADAuthenticationAsArmPolicy} (2023-07-01 does not; previews since
   * 2022-02-01-preview do). Override it where a cloud does not offer it yet, e.g. with {@code 2023-11-01-preview}.
   */
  public static final String DEFAULT_API_VERSION = "2025-04-01";

  private static final Pattern RESOURCE_GROUP = Pattern.compile("[-\\w._()]{1,90}");
  private static final Pattern API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");

  private final Consumer<AuthEvent> listener;
  private final EntraTokens entra;
  private final ResourceManagerClient arm;
  private final String apiVersion;
  private final String endpointOverride;

  private AuthenticationAsArmPolicy(Builder b) {
    this.listener = b.acr.listener();
    this.apiVersion = b.apiVersion;
    this.endpointOverride = b.resourceManagerEndpoint;
    RetryPolicy retry = b.retry != null ? b.retry : b.acr.retryPolicy();
    this.arm = new ResourceManagerClient(b.acr.transport(), retry, b.sleeper, b.acr.clientName(), listener);
    this.entra = b.acr.entraTokens();
  }

  /** Starts a client that works through {@code authenticator}; ARM endpoint: the registry cloud's. */
  public static Builder builder(AcrAuthenticator authenticator) {
    return new Builder(Objects.requireNonNull(authenticator, "authenticator"));
  }

  /** The api-version sent to ARM. */
  public String apiVersion() {
    return apiVersion;
  }

  /** Where ARM requests for {@code registry} go: the override, else its cloud's resource manager endpoint. */
  public String resourceManagerEndpoint(Registry registry) {
    return endpointOverride != null ? endpointOverride : registry.cloud().resourceManagerEndpoint();
  }

  /**
   * The registry's authentication-as-arm status; a registry that does not state it has the documented default,
   * {@link AuthAsArmStatus#ENABLED}.
   *
   * @param subscriptionId the subscription that holds the registry (a GUID)
   * @param resourceGroup its resource group, to list fewer registries; empty to search the whole subscription
   * @throws IllegalArgumentException for an invalid subscription id or resource group, or a username/password
   *     source (which cannot call ARM)
   * @throws AcrAuthException REGISTRY_NOT_IN_SUBSCRIPTION, ARM_PERMISSION_DENIED, UNKNOWN_POLICY_STATUS, Entra
   *     failures, ...
   */
  public AuthAsArmStatus show(Registry registry, CredentialSource source, String subscriptionId,
      Optional<String> resourceGroup) throws AcrAuthException {
    ResourceManagerClient.Call call = call("authentication-as-arm show", registry, source, subscriptionId,
        resourceGroup, false);
    String id = arm.findRegistry(call, subscriptionId.trim(), resourceGroup.map(String::trim));
    AuthAsArmStatus status = status(call, arm.get(call, id), Optional.empty());
    listener.accept(AuthEvent.info("Authentication-as-arm of " + registry + " (" + id + ") is " + status));
    return status;
  }

  /**
   * Sets the registry's authentication-as-arm status ({@code PATCH} of
   * {@code properties.policies.azureADAuthenticationAsArmPolicy.status}) unless it has it already, and returns
   * the status ARM reports afterwards. New token exchanges follow the new status at once.
   *
   * @throws IllegalArgumentException as {@link #show}
   * @throws AcrAuthException as {@link #show}; ARM_PERMISSION_DENIED names the write permission
   */
  public AuthAsArmStatus update(Registry registry, CredentialSource source, String subscriptionId,
      Optional<String> resourceGroup, AuthAsArmStatus status) throws AcrAuthException {
    Objects.requireNonNull(status, "status");
    ResourceManagerClient.Call call = call("authentication-as-arm update", registry, source, subscriptionId,
        resourceGroup, true);
    String id = arm.findRegistry(call, subscriptionId.trim(), resourceGroup.map(String::trim));
    AuthAsArmStatus current = status(call, arm.get(call, id), Optional.empty());
    if (current == status) {
      listener.accept(AuthEvent.info("Authentication-as-arm of " + registry + " (" + id + ") is " + status
          + " already; nothing to change"));
      return current;
    }
    String body = "{\"properties\":{\"policies\":{\"azureADAuthenticationAsArmPolicy\":{\"status\":\""
        + status.value() + "\"}}}}";
    AuthAsArmStatus after = status(call, arm.patch(call, id, body), Optional.of(status));
    if (after != status) {
      throw failure(call, Reason.PROTOCOL, "ARM accepted the change to " + status + " but reports " + after,
          "run it again, and check for an Azure Policy that enforces the other value");
    }
    listener.accept(AuthEvent.info("Authentication-as-arm of " + registry + " (" + id + ") changed from " + current
        + " to " + status));
    return after;
  }

  private ResourceManagerClient.Call call(String operation, Registry registry, CredentialSource source,
      String subscriptionId, Optional<String> resourceGroup, boolean write) throws AcrAuthException {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(resourceGroup, "resourceGroup");
    List<String> problems = new ArrayList<>();
    if (!CredentialSource.isGuid(subscriptionId)) {
      problems.add("subscription id '" + (subscriptionId == null ? "" : subscriptionId.trim())
          + "' is not a GUID (see az account show --query id)");
    }
    if (resourceGroup.isPresent() && (!RESOURCE_GROUP.matcher(resourceGroup.get().trim()).matches()
        || resourceGroup.get().trim().endsWith("."))) {
      problems.add("resource group '" + resourceGroup.get().trim() + "' is not a valid name (1-90 letters, digits,"
          + " '-', '_', '.', '(', ')'; not ending in '.')");
    }
    if (source.kind().isBasic()) {
      problems.add("a " + source.kind().label() + " cannot call Azure Resource Manager; use a Microsoft Entra"
          + " identity (service principal, managed or workload identity, Azure CLI)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("Invalid " + operation + " request for " + registry + ": "
          + String.join("; ", problems));
    }
    // The management plane takes an ARM-audience token, whatever audience the source logs in to registries with.
    CredentialSource armSource = source.withAudience(Audience.ARM);
    EntraTokens.EntraToken token = entra.token(armSource, registry);
    return new ResourceManagerClient.Call(operation, registry, armSource, token.token(),
        URI.create(resourceManagerEndpoint(registry)), apiVersion, write);
  }

  private AuthAsArmStatus status(ResourceManagerClient.Call call, JsonNode resource, Optional<AuthAsArmStatus> sent)
      throws AcrAuthException {
    Optional<String> value = ResourceManagerClient.policyStatus(resource);
    if (value.isEmpty()) {
      if (sent.isPresent()) {
        throw failure(call, Reason.PROTOCOL, "the registry returned by ARM has no azureADAuthenticationAsArmPolicy, so"
            + " api-version " + apiVersion + " probably does not carry it",
            "use api-version " + DEFAULT_API_VERSION + " (or 2023-11-01-preview)");
      }
      return AuthAsArmStatus.ENABLED; // Azure's documented default when the registry does not state it
    }
    try {
      return AuthAsArmStatus.parse(value.get());
    } catch (IllegalArgumentException e) {
      throw failure(call, Reason.UNKNOWN_POLICY_STATUS, "ARM reports status '" + value.get() + "'",
          "update acr-login, which knows only enabled and disabled");
    }
  }

  private static AcrAuthException failure(ResourceManagerClient.Call call, Reason reason, String detail, String remedy) {
    return AcrAuthException.because(reason).operation(call.operation()).registry(call.registry().loginServer())
        .source(call.source().toString()).detail(detail).remedy(remedy).failed();
  }

  @Override
  public String toString() {
    return "AuthenticationAsArmPolicy{api-version " + apiVersion
        + (endpointOverride != null ? ", endpoint " + endpointOverride : "") + "}";
  }

  /** Configures an {@link AuthenticationAsArmPolicy}; {@link #build()} reports every invalid setting at once. */
  public static final class Builder {
    private final AcrAuthenticator acr;
    private String apiVersion = DEFAULT_API_VERSION;
    private String resourceManagerEndpoint;
    private RetryPolicy retry;
    private RetryPolicy.Sleeper sleeper = d -> Thread.sleep(d.toMillis());

    private Builder(AcrAuthenticator acr) {
      this.acr = acr;
    }

    /** The {@code api-version} of the registry resource; default {@link #DEFAULT_API_VERSION}. */
    public Builder apiVersion(String apiVersion) {
      this.apiVersion = apiVersion == null ? null : apiVersion.trim();
      return this;
    }

    /**
     * Where to send ARM requests, overriding the registry cloud's
     * {@link AzureCloud#resourceManagerEndpoint()}; the token's audience stays the cloud's ARM audience.
     */
    public Builder resourceManagerEndpoint(String endpoint) {
      this.resourceManagerEndpoint = endpoint == null ? null : endpoint.trim().replaceAll("/+$", "");
      return this;
    }

    // Tests: no real sleeping.
    Builder retryPolicy(RetryPolicy retry, RetryPolicy.Sleeper pollSleeper) {
      this.retry = retry;
      this.sleeper = pollSleeper;
      return this;
    }

    /**
     * @throws IllegalArgumentException listing every invalid setting
     */
    public AuthenticationAsArmPolicy build() {
      List<String> problems = new ArrayList<>();
      if (apiVersion == null || !API_VERSION.matcher(apiVersion).matches()) {
        problems.add("api-version '" + apiVersion + "' is not of the form 2025-04-01 or 2023-11-01-preview");
      }
      if (resourceManagerEndpoint != null) {
        try {
          URI uri = URI.create(resourceManagerEndpoint);
          String scheme = uri.getScheme() == null ? "" : uri.getScheme();
          if (!(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http")) || uri.getHost() == null
              || uri.getRawQuery() != null || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())) {
            problems.add("resource manager endpoint '" + resourceManagerEndpoint + "' must be a URL such as"
                + " https://management.azure.com, without path or query");
          }
        } catch (IllegalArgumentException e) {
          problems.add("resource manager endpoint '" + resourceManagerEndpoint + "' is not a URL");
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid authentication-as-arm client settings: "
            + String.join("; ", problems));
      }
      return new AuthenticationAsArmPolicy(this);
    }
  }
}
