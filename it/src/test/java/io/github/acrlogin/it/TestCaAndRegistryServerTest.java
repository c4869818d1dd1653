package io.github.acrlogin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The throwaway CA's files, and the registry launcher's refusal to skip when the binary is missing. */
class TestCaAndRegistryServerTest {
  @TempDir
  Path dir;

  @Test
  void caWritesTrustStoreCertDirAndServerCertificateFor127001AndLocalhost() throws Exception {
    TestCa ca = TestCa.create(dir);
    KeyStore ts = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ca.trustStore())) {
      ts.load(in, ca.trustStorePassword().toCharArray());
    }
    assertEquals(ca.caCertificate(), ts.getCertificate(ts.aliases().nextElement()));
    assertTrue(Files.readString(ca.certDir().resolve("ca.crt")).startsWith("-----BEGIN CERTIFICATE-----"));
    String chain = Files.readString(ca.serverCertPem());
    assertEquals(2, chain.split("BEGIN CERTIFICATE").length - 1);
    assertTrue(Files.readString(ca.serverKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----"));
    X509Certificate server = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCertificates(Files.newInputStream(ca.serverCertPem())).iterator().next();
    server.verify(ca.caCertificate().getPublicKey());
    assertTrue(server.getSubjectAlternativeNames().containsAll(List.of(List.of(7, "127.0.0.1"), List.of(2, "localhost"))));
  }

  @Test
  void clientCertificateIsWrittenAsPemWithKeyAndAsPasswordProtectedPfx() throws Exception {
    TestCertificate cert = TestCa.create(dir).newClientCertificate("sp");
    String pem = Files.readString(cert.pemFile());
    assertTrue(pem.contains("BEGIN CERTIFICATE") && pem.contains("BEGIN PRIVATE KEY"));
    KeyStore pfx = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(cert.pfxFile())) {
      pfx.load(in, cert.pfxPassword().toCharArray());
    }
    assertEquals(cert.key().certificate(), pfx.getCertificate("client"));
    assertTrue(!cert.toString().contains(cert.pfxPassword()));
  }

  @Test
  void missingRegistryBinaryFailsWithTheInstallCommand() {
    String old = System.getProperty(RegistryServer.BINARY_PROPERTY);
    System.setProperty(RegistryServer.BINARY_PROPERTY, dir.resolve("no-such-registry").toString());
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class, RegistryServer::binary);
      assertTrue(e.getMessage().contains("apt-get install -y docker-registry"), e.getMessage());
    } finally {
      if (old == null) {
        System.clearProperty(RegistryServer.BINARY_PROPERTY);
      } else {
        System.setProperty(RegistryServer.BINARY_PROPERTY, old);
      }
    }
  }

  @Test
  void secretsStayOutOfToString() {
    ServicePrincipal sp = new ServicePrincipal("t", "c", "o", java.util.Optional.of("s3cr3t-value"),
        java.util.Optional.empty());
    assertTrue(!sp.toString().contains("s3cr3t-value"));
    RepositoryToken token = new RepositoryToken("ls", "name", "pw-one-value", "pw-two-value", java.util.Map.of());
    assertTrue(!token.toString().contains("pw-one-value") && !token.toString().contains("pw-two-value"));
  }
}
