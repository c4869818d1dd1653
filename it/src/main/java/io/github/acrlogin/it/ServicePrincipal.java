package io.github.acrlogin.it;

import java.util.Optional;

/**
 * A service principal registered in the emulator. {@code secret} is empty when the app has no secret;
 * {@code certificate} when it has no certificate. {@code toString()} hides the secret.
 */
public record ServicePrincipal(String tenantId, String clientId, String objectId, Optional<String> secret,
    Optional<TestCertificate> certificate) implements Identity {

  /** The client secret; fails when the app was registered without one. */
  public String requireSecret() {
    return secret.orElseThrow(() -> new IllegalStateException("service principal " + clientId + " has no secret"));
  }

  @Override
  public String toString() {
    return "ServicePrincipal[tenantId=" + tenantId + ", clientId=" + clientId + ", objectId=" + objectId
        + ", secret=" + (secret.isPresent() ? "***" : "none") + ", certificate=" + certificate.isPresent() + "]";
  }
}
