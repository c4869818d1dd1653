package io.github.acrlogin.it;

/** The endpoints of the emulator, for counters and fault injection. */
public enum Endpoint {
  /** Entra {@code POST /{tenant}/oauth2/v2.0/token}. */
  ENTRA_TOKEN,
  /** MSAL's {@code GET /common/discovery/instance}. */
  INSTANCE_DISCOVERY,
  /** {@code GET /{tenant}/v2.0/.well-known/openid-configuration} and the signing keys. */
  OPENID_CONFIGURATION,
  /** App Service style managed identity endpoint ({@code IDENTITY_ENDPOINT}). */
  MANAGED_IDENTITY,
  /** The emulator's own OIDC issuer (workload identity federation): discovery and keys. */
  FEDERATION_ISSUER,
  /** ACR {@code POST /oauth2/exchange}. */
  ACR_EXCHANGE,
  /** ACR {@code /oauth2/token} (GET with Basic, POST with a refresh token). */
  ACR_TOKEN,
  /** Azure Resource Manager: {@code /subscriptions/...} registry list, get and patch. */
  ARM,
  /** Anything else (answered 404); the identity recorded is the request path. */
  UNKNOWN
}
