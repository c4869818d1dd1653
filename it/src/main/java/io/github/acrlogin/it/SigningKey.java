package io.github.acrlogin.it;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * An RSA key with its certificate: signs the JWTs the emulator issues, or the client assertions a test
 * sends. {@code toString()} never shows the key.
 */
public record SigningKey(PrivateKey privateKey, X509Certificate certificate) {

  public PublicKey publicKey() {
    return certificate.getPublicKey();
  }

  /** Standard (not url-safe) base64 of the DER certificate, as the {@code x5c} header wants. */
  public String x5c() {
    try {
      return Base64.getEncoder().encodeToString(certificate.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Base64url SHA-1 thumbprint of the certificate ({@code x5t}). */
  public String x5t() {
    return thumbprint("SHA-1");
  }

  /** Base64url SHA-256 thumbprint of the certificate ({@code x5t#S256}). */
  public String x5tS256() {
    return thumbprint("SHA-256");
  }

  private String thumbprint(String algorithm) {
    try {
      return Jwt.b64(MessageDigest.getInstance(algorithm).digest(certificate.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "SigningKey[" + certificate.getSubjectX500Principal().getName() + "]";
  }
}
