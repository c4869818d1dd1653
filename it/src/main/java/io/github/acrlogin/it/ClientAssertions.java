package io.github.acrlogin.it;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Validation of the two kinds of {@code client_assertion}: an app's own certificate-signed assertion
 * and a federated (workload identity) assertion. Each check answers the AADSTS error Entra gives.
 * Where Entra's exact code for a failure is not documented publicly it is marked "unconfirmed".
 */
final class ClientAssertions {
  /** Entra tolerates five minutes of clock difference on assertions. */
  private static final Duration LEEWAY = Duration.ofMinutes(5);

  private final AzureEmulator emulator;
  private final EntraEndpoint entra;

  ClientAssertions(AzureEmulator emulator, EntraEndpoint entra) {
    this.emulator = emulator;
    this.entra = entra;
  }

  boolean certificate(HttpCall call, Directory.App app, String tenant, Jwt jwt) throws IOException {
    Object x5t = jwt.header().get("x5t");
    Object x5tS256 = jwt.header().get("x5t#S256");
    // MSAL4J 1.26 sends x5t#S256 in standard base64 (with '+', '/', '='), not base64url: Entra accepts
    // both, so thumbprints are compared as bytes.
    byte[] sha1 = thumbprint(x5t);
    byte[] sha256 = thumbprint(x5tS256);
    Optional<SigningKey> key = app.certificates.stream()
        .filter(k -> java.util.Arrays.equals(thumbprint(k.x5t()), sha1)
            || java.util.Arrays.equals(thumbprint(k.x5tS256()), sha256))
        .findFirst();
    if (key.isEmpty()) {
      String shown = x5t instanceof String s ? hex(s) : x5tS256 instanceof String s ? hex(s) : "";
      return fail(call, 700027, "Client assertion failed signature validation. [Reason - The key was not found., "
          + "Thumbprint of key used by client: '" + shown + "', Please visit the Azure Portal, Graph Explorer or "
          + "directly use MS Graph to see configured keys for app Id '" + app.clientId + "'.]");
    }
    if (!jwt.verifiedBy(key.get().publicKey())) {
      return fail(call, 700027, "Client assertion failed signature validation. [Reason - The provided signature "
          + "value did not match the expected signature value.]");
    }
    if (!app.clientId.equals(jwt.string("sub"))) {
      return fail(call, 700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
    }
    String v2 = emulator.baseUrl() + "/" + tenant + "/oauth2/v2.0/token";
    String v1 = emulator.baseUrl() + "/" + tenant + "/oauth2/token";
    if (!jwt.hasAudience(v2) && !jwt.hasAudience(v1)) {
      // unconfirmed: the exact AADSTS code for an assertion addressed to another endpoint.
      return fail(call, 700027, "Client assertion failed audience validation. The audience must be the token "
          + "endpoint '" + v2 + "'.");
    }
    return inTime(call, jwt, "https://learn.microsoft.com/entra/identity-platform/certificate-credentials");
  }

  boolean federated(HttpCall call, Directory.App app, Jwt jwt) throws IOException {
    String issuer = jwt.string("iss");
    List<Directory.FederatedCredential> byIssuer = app.federated.stream()
        .filter(f -> f.issuer().equals(issuer)).toList();
    if (byIssuer.isEmpty()) {
      return fail(call, 700211, "No matching federated identity record found for presented assertion issuer '"
          + issuer + "'. Please note that the matching is done using a case-sensitive comparison. Check your "
          + "federated identity credential Subject, Audience and Issuer against the presented assertion.");
    }
    // The emulator trusts one OIDC issuer: its own (as Entra fetches the issuer's keys from its JWKS).
    if (!emulator.federationIssuer().equals(issuer) || !jwt.verifiedBy(emulator.federationKey().publicKey())) {
      // unconfirmed: the exact AADSTS code for a federated assertion with a bad signature.
      return fail(call, 700027, "Client assertion failed signature validation.");
    }
    if (!inTime(call, jwt, "https://learn.microsoft.com/entra/workload-id/workload-identity-federation")) {
      return false;
    }
    String subject = jwt.string("sub");
    List<Directory.FederatedCredential> bySubject = byIssuer.stream()
        .filter(f -> f.subject().equals(subject)).toList();
    if (bySubject.isEmpty()) {
      return fail(call, 700213, "No matching federated identity record found for presented assertion subject '"
          + subject + "'. Check your federated identity credential Subject, Audience and Issuer against the "
          + "presented assertion.");
    }
    if (bySubject.stream().noneMatch(f -> jwt.hasAudience(f.audience()))) {
      return fail(call, 700212, "No matching federated identity record found for presented assertion audience '"
          + jwt.claims().get("aud") + "'. Please note that the matching is done using a case-sensitive comparison. "
          + "Check your federated identity credential Subject, Audience and Issuer against the presented assertion.");
    }
    return true;
  }

  private boolean inTime(HttpCall call, Jwt jwt, String doc) throws IOException {
    Instant now = emulator.now();
    long exp = jwt.seconds("exp");
    long nbf = jwt.seconds("nbf");
    boolean expired = jwt.expiredAt(now, LEEWAY);
    boolean early = nbf >= 0 && Instant.ofEpochSecond(nbf).minus(LEEWAY).isAfter(now);
    if (expired || early) {
      return fail(call, 700024, "Client assertion is not within its valid time range. Current time: " + now
          + ", assertion valid from " + (nbf < 0 ? "-" : Instant.ofEpochSecond(nbf)) + ", expiry time of assertion "
          + (exp < 0 ? "-" : Instant.ofEpochSecond(exp)) + ". Review the documentation at " + doc + " .");
    }
    return true;
  }

  private boolean fail(HttpCall call, int code, String message) throws IOException {
    entra.error(call, 401, "invalid_client", code, message);
    return false;
  }

  private static String hex(String base64) {
    byte[] bytes = thumbprint(base64);
    return bytes == null ? "" : HexFormat.of().formatHex(bytes).toUpperCase(Locale.ROOT);
  }

  /** Decodes a thumbprint written in base64 or base64url, padded or not; null when absent or garbled. */
  private static byte[] thumbprint(Object encoded) {
    if (!(encoded instanceof String s) || s.isEmpty()) {
      return null;
    }
    try {
      return Base64.getUrlDecoder().decode(s.replace('+', '-').replace('/', '_').replace("=", ""));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
