package io.github.acrlogin.auth;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A service principal's certificate with its private key: PEM (certificate and unencrypted PKCS#8 key in one
 * file) or PFX/PKCS#12 (optionally password-protected), from a file or from bytes (e.g. a Jenkins secret
 * file). The bytes are key material: {@link #toString()} never shows them.
 */
public final class ClientCertificate {

  /** Encoding of the certificate file. */
  public enum Format {
    PEM,
    PFX
  }

  private final Format format;
  private final Path path;
  private final byte[] content;
  private final Secret password;
  private final boolean sendChain;

  private ClientCertificate(Format format, Path path, byte[] content, Secret password, boolean sendChain) {
    this.format = format;
    this.path = path;
    this.content = content;
    this.password = password;
    this.sendChain = sendChain;
  }

  /** A PEM file holding the certificate and its private key. */
  public static ClientCertificate pem(Path path) {
    return new ClientCertificate(Format.PEM, Objects.requireNonNull(path, "path"), null, null, false);
  }

  /** PEM content holding the certificate and its private key. */
  public static ClientCertificate pem(byte[] content) {
    return new ClientCertificate(Format.PEM, null, copy(content), null, false);
  }

  /** A PFX/PKCS#12 file; {@code password} may be null for an unprotected file. */
  public static ClientCertificate pfx(Path path, Secret password) {
    return new ClientCertificate(Format.PFX, Objects.requireNonNull(path, "path"), null, password, false);
  }

  /** PFX/PKCS#12 content; {@code password} may be null for unprotected content. */
  public static ClientCertificate pfx(byte[] content, Secret password) {
    return new ClientCertificate(Format.PFX, null, copy(content), password, false);
  }

  /**
   * Sends the certificate chain (x5c) with each assertion, needed for subject-name/issuer authentication
   * (SNI) where the app trusts an issuer rather than one certificate.
   */
  public ClientCertificate withChain() {
    return new ClientCertificate(format, path, content, password, true);
  }

  private static byte[] copy(byte[] content) {
    Objects.requireNonNull(content, "content");
    if (content.length == 0) {
      throw new IllegalArgumentException("The certificate content is empty");
    }
    return content.clone();
  }

  public Format format() {
    return format;
  }

  /** The file, when the certificate lives in one. */
  public Optional<Path> path() {
    return Optional.ofNullable(path);
  }

  /** A copy of the content, when given as bytes. */
  public Optional<byte[]> content() {
    return Optional.ofNullable(content).map(byte[]::clone);
  }

  public Optional<Secret> password() {
    return Optional.ofNullable(password);
  }

  public boolean sendChain() {
    return sendChain;
  }

  /** Material for the cache key: the path or the bytes, plus the password. */
  byte[] keyMaterial() {
    byte[] body = content != null ? content : path.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] pw = password == null ? new byte[0] : password.reveal().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(body, body.length + pw.length + 1);
    System.arraycopy(pw, 0, out, body.length + 1, pw.length);
    return out;
  }

  @Override
  public String toString() {
    return format + " certificate" + (path != null ? " " + path : "") + (sendChain ? " (sending chain)" : "");
  }
}
