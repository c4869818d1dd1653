package io.github.acrlogin.it;

/**
 * An app registration with a federated identity credential that trusts the emulator's own OIDC issuer
 * for {@code subject} (as AKS workload identity does with the cluster's issuer).
 */
public record WorkloadIdentity(String tenantId, String clientId, String objectId, String issuer, String subject)
    implements Identity {
  /** The audience federated credentials use by default. */
  public static final String TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
}
