package io.github.acrlogin.auth;

/** The credential source was tried and failed: wrong secret, missing role, registry refused, ... */
public final class AuthenticationFailedException extends AcrAuthException {
  private static final long serialVersionUID = 1L;

  AuthenticationFailedException(Details details, Throwable cause) {
    super(details, cause);
  }
}
