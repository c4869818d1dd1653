package io.github.acrlogin.auth;

/**
 * The credential source cannot be used here (no managed identity endpoint on this machine, no Azure CLI
 * login, missing environment variables): a caller with alternatives should try the next one.
 */
public final class CredentialUnavailableException extends AcrAuthException {
  private static final long serialVersionUID = 1L;

  CredentialUnavailableException(Details details, Throwable cause) {
    super(details, cause);
  }
}
