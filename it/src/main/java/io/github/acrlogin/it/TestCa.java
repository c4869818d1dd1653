package io.github.acrlogin.it;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority generated per run, and everything that must trust it: the
 * servers' {@link SSLContext}, a PKCS#12 trust store for {@code -Djavax.net.ssl.trustStore}, and a
 * directory laid out for skopeo's {@code --cert-dir}. Nothing here is ever trusted outside the run.
 */
public final class TestCa {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
  private static final Duration VALIDITY = Duration.ofDays(2);

  private final Path dir;
  private final SigningKey ca;
  private final SigningKey server;
  private final Path serverCertPem;
  private final Path serverKeyPem;
  private final Path trustStore;
  private final String trustStorePassword;
  private final Path certDir;
  private final SSLContext serverContext;
  private final SSLContext clientContext;

  private TestCa(Path dir) throws IOException, GeneralSecurityException, OperatorCreationException {
    this.dir = dir;
    KeyPair caKeys = rsa();
    X500Name caName = new X500Name("CN=acr-login test bed CA " + Randomness.hex(4));
    X509v3CertificateBuilder caBuilder = builder(caName, caName, caKeys);
    caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    caBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    caBuilder.addExtension(Extension.subjectKeyIdentifier, false,
        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(caKeys.getPublic()));
    this.ca = new SigningKey(caKeys.getPrivate(), sign(caBuilder, caKeys));

    KeyPair serverKeys = rsa();
    X509v3CertificateBuilder sb = builder(caName, new X500Name("CN=127.0.0.1"), serverKeys);
    sb.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    sb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    sb.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    sb.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    sb.addExtension(Extension.authorityKeyIdentifier, false,
        new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.certificate()));
    this.server = new SigningKey(serverKeys.getPrivate(), sign(sb, caKeys));

    writePem(dir.resolve("ca.pem"), ca.certificate());
    this.serverCertPem = writePem(dir.resolve("server.crt"), server.certificate(), ca.certificate());
    this.serverKeyPem = writePem(dir.resolve("server.key"), server.privateKey());
    // skopeo (containers/image) reads *.crt in --cert-dir as extra roots; *.cert/*.key would be a client cert.
    this.certDir = Files.createDirectories(dir.resolve("certs.d"));
    writePem(certDir.resolve("ca.crt"), ca.certificate());

    this.trustStorePassword = Randomness.hex(8);
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("acr-login-test-ca", ca.certificate());
    this.trustStore = dir.resolve("truststore.p12");
    try (OutputStream out = Files.newOutputStream(trustStore)) {
      ts.store(out, trustStorePassword.toCharArray());
    }

    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    char[] pw = trustStorePassword.toCharArray();
    ks.setKeyEntry("server", server.privateKey(), pw, new Certificate[] {server.certificate(), ca.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    this.serverContext = SSLContext.getInstance("TLS");
    // null: the JDK's default SecureRandom.
    serverContext.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    this.clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, tmf.getTrustManagers(), null);
  }

  /** Generates a new CA and a server certificate for {@code 127.0.0.1} and {@code localhost} under {@code dir}. */
  public static TestCa create(Path dir) {
    try {
      return new TestCa(Files.createDirectories(dir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot generate the test CA", e);
    }
  }

  /** TLS for servers on 127.0.0.1: presents the server certificate with the CA in its chain. */
  public SSLContext serverSslContext() {
    return serverContext;
  }

  /** TLS for clients in this JVM that trust the test CA only. */
  public SSLContext sslContext() {
    return clientContext;
  }

  /** PKCS#12 trust store holding the CA, for {@code -Djavax.net.ssl.trustStore}. */
  public Path trustStore() {
    return trustStore;
  }

  /** Password of {@link #trustStore()} (not a secret: the store holds only a public certificate). */
  public String trustStorePassword() {
    return trustStorePassword;
  }

  /** Directory with {@code ca.crt}, for skopeo's {@code --cert-dir} / {@code --dest-cert-dir}. */
  public Path certDir() {
    return certDir;
  }

  /** PEM of the CA certificate. */
  public Path caPem() {
    return dir.resolve("ca.pem");
  }

  /** Server certificate chain PEM (for docker-registry's {@code http.tls.certificate}). */
  public Path serverCertPem() {
    return serverCertPem;
  }

  /** Server private key PEM (for docker-registry's {@code http.tls.key}). */
  public Path serverKeyPem() {
    return serverKeyPem;
  }

  /** The CA certificate itself. */
  public X509Certificate caCertificate() {
    return ca.certificate();
  }

  /** A fresh self-signed RSA signing key, e.g. for the tokens the registry must trust. */
  public static SigningKey selfSigned(String commonName) {
    try {
      KeyPair keys = rsa();
      X500Name name = new X500Name("CN=" + commonName);
      X509v3CertificateBuilder b = builder(name, name, keys);
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      return new SigningKey(keys.getPrivate(), sign(b, keys));
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot generate a signing key", e);
    }
  }

  /**
   * A client certificate (self-signed, as app registrations usually use) written as PEM (certificate and
   * key) and as a PFX protected by a random password, under this CA's directory.
   */
  public TestCertificate newClientCertificate(String commonName) {
    SigningKey key = selfSigned(commonName);
    try {
      String base = commonName.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + SERIAL.incrementAndGet();
      Path pem = writePem(dir.resolve(base + ".pem"), key.certificate(), key.privateKey());
      String password = Randomness.hex(8);
      KeyStore p12 = KeyStore.getInstance("PKCS12");
      p12.load(null, null);
      p12.setKeyEntry("client", key.privateKey(), password.toCharArray(), new Certificate[] {key.certificate()});
      Path pfx = dir.resolve(base + ".pfx");
      try (OutputStream out = Files.newOutputStream(pfx)) {
        p12.store(out, password.toCharArray());
      }
      return new TestCertificate(key, pem, pfx, password);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot write the client certificate", e);
    }
  }

  /** Writes objects (certificates, keys) as PEM to {@code file}. */
  public static Path writePem(Path file, Object... objects) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(text)) {
      for (Object o : objects) {
        // PKCS#8 ("BEGIN PRIVATE KEY") is what both Go and Azure Identity read.
        w.writeObject(o instanceof java.security.PrivateKey k
            ? new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", k.getEncoded()) : o);
      }
    }
    Files.writeString(file, text.toString(), StandardCharsets.US_ASCII);
    return file;
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
  }

  static InetAddress loopback() {
    return InetAddress.getLoopbackAddress();
  }
}
