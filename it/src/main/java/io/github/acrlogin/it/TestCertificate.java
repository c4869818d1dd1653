package io.github.acrlogin.it;

import java.nio.file.Path;

/**
 * A client certificate for a service principal: the same key and certificate written as one PEM file
 * (certificate then PKCS#8 key, as Azure Identity reads it) and as a password-protected PFX.
 */
public record TestCertificate(SigningKey key, Path pemFile, Path pfxFile, String pfxPassword) {
  @Override
  public String toString() {
    return "TestCertificate[" + pemFile + "]";
  }
}
