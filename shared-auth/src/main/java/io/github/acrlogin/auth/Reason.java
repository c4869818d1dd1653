package io.github.acrlogin.auth;

/**
 * Why an ACR login failed, each with the one-line remedy the user sees. Mapped from AADSTS codes, ACR token
 * service answers and transport failures (ACR-PROTOCOL.md section 7).
 */
public enum Reason {
  WRONG_CLIENT_SECRET(
      "Entra ID rejected the client secret (AADSTS7000215)",
      "check the secret value (not its id) and whether it was rotated"),
  CLIENT_SECRET_EXPIRED(
      "the client secret has expired (AADSTS7000222)",
      "create a new secret for the service principal (secrets expire after 1 year by default) and update the"
          + " credential"),
  APPLICATION_NOT_FOUND(
      "Entra ID does not know this client id in this tenant (AADSTS700016)",
      "check the client (application) id and the tenant id, and that the app has a service principal in that"
          + " tenant"),
  TENANT_NOT_FOUND(
      "Entra ID does not know this tenant (AADSTS90002)",
      "check the tenant id and that the cloud (public, China, US Government) matches the registry"),
  INVALID_AUDIENCE(
      "Entra ID does not know the requested audience (AADSTS500011)",
      "request the ACR audience https://containerregistry.azure.net/.default, not a registry-specific one"),
  ASSERTION_EXPIRED(
      "the federated (workload identity) assertion has expired (AADSTS700024)",
      "make sure the token file is refreshed (e.g. the AKS projected token) and fetch the OIDC token just"
          + " before use"),
  INVALID_CERTIFICATE(
      "Entra ID rejected the client certificate assertion",
      "check that this certificate is uploaded to the app registration and has not expired"),
  ENTRA_REJECTED(
      "Entra ID refused to issue a token", "check the identity's configuration in Microsoft Entra ID"),
  ARM_TOKEN_DISALLOWED(
      "the registry rejects Azure Resource Manager (ARM) audience tokens because its authentication-as-arm"
          + " policy is disabled (\"arm aad token disallowed\")",
      "use the default ACR audience (https://containerregistry.azure.net/.default) instead of the ARM audience"),
  BAD_PASSWORD(
      "the registry rejected the username or password",
      "check the admin user or repository token name and password (regenerated passwords take about 60 s to"
          + " replicate), and that the admin user is enabled"),
  FIREWALL(
      "the registry firewall does not allow this client's IP address",
      "add the agent's public IP to the registry's network rules or use a private endpoint"),
  MISSING_ROLE(
      "the identity has no role on this registry (\"retrieving permissions failed\")",
      "assign AcrPull (to pull) or AcrPush (to push) to the identity on the registry"),
  INSUFFICIENT_SCOPE(
      "the registry granted less access than requested",
      "assign a role that allows it (AcrPush for push, AcrDelete for delete) or widen the token's scope map"),
  TOKEN_REJECTED(
      "the token was rejected (expired or revoked)",
      "log in again; if it persists, check the registry's token settings and the machine's clock"),
  THROTTLED(
      "the service kept answering 429 Too Many Requests",
      "retry later or reduce concurrent pushes/pulls (ACR allows about 5 concurrent pushes per registry)"),
  SERVICE_UNAVAILABLE(
      "the service kept failing (5xx)",
      "retry later; check https://status.azure.com for the region"),
  UNREACHABLE(
      "the registry could not be reached",
      "check the registry name, DNS, proxy settings (https_proxy/no_proxy) and network access"),
  TLS(
      "the TLS connection to the registry failed",
      "check that the JVM trusts the registry's certificate chain (corporate proxies need their CA in the trust"
          + " store)"),
  NOT_ACR(
      "the server did not answer like an Azure container registry",
      "check the login server; it should look like myregistry.azurecr.io"),
  REGISTRY_NOT_IN_SUBSCRIPTION(
      "Azure Resource Manager lists no registry with this name or login server in the subscription (or resource"
          + " group) for this identity",
      "check the subscription id (az account show --query id), the resource group, and that the identity can read"
          + " the registry (a role such as Reader on it; ARM lists only what the caller may read)"),
  ARM_PERMISSION_DENIED(
      "Azure Resource Manager refused the operation (AuthorizationFailed)",
      "give the identity Microsoft.ContainerRegistry/registries/read to show the policy (e.g. Reader) or"
          + " Microsoft.ContainerRegistry/registries/write to change it (e.g. Contributor) on the registry; role"
          + " assignments take a few minutes to apply"),
  UNKNOWN_POLICY_STATUS(
      "the authentication-as-arm status is neither enabled nor disabled",
      "use enabled or disabled"),
  CREDENTIAL_UNAVAILABLE(
      "this credential is not available here",
      "configure it (environment variables, managed identity on this machine, or `az login`) or choose another"
          + " authentication method"),
  CONFIGURATION(
      "the authentication settings are invalid", "fix the settings named above"),
  PROTOCOL(
      "the token service answered in an unexpected way",
      "retry; if it persists, report it with the debug log (which never contains secrets)");

  private final String explanation;
  private final String remedy;

  Reason(String explanation, String remedy) {
    this.explanation = explanation;
    this.remedy = remedy;
  }

  /** Why it failed, in words a user understands. */
  public String explanation() {
    return explanation;
  }

  /** What to do about it. */
  public String remedy() {
    return remedy;
  }
}
