package io.github.acrlogin.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every secret-bearing type keeps its secret out of toString(), messages, events and serialized form. */
class NoSecretInTextTest {

  // Distinctive values: a plain secret (no pattern can catch it) and a JWT-shaped token.
  static final String PLAIN = "Zq8~plain-client-secret-value";
  static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJl";
  static final Registry REGISTRY = Registry.parse("myregistry");

  static void assertClean(String text) {
    assertFalse(text.contains(PLAIN), () -> "plain secret leaked: " + text);
    assertFalse(text.contains(JWT), () -> "token leaked: " + text);
    assertFalse(text.contains("c2lnbmF0dXJl"), () -> "token signature leaked: " + text);
  }

  @Test
  void valuesDoNotPrintTheirSecrets() {
    assertClean(Secret.of(PLAIN).toString());
    assertClean(CredentialSource.servicePrincipal(CredentialSourceTest.TENANT, CredentialSourceTest.CLIENT,
        Secret.of(PLAIN)).toString());
    assertClean(CredentialSource.adminUser("myregistry", Secret.of(PLAIN)).toString());
    assertClean(CredentialSource.repositoryToken("ci", Secret.of(PLAIN)).toString());
    assertClean(ClientCertificate.pfx(PLAIN.getBytes(StandardCharsets.UTF_8), Secret.of(PLAIN)).toString());
    assertClean(ClientCertificate.pfx(Path.of("/tmp/c.pfx"), Secret.of(PLAIN)).toString());
    assertClean(RegistryLogin.refreshToken(REGISTRY, Secret.of(JWT), Instant.now()).toString());
    assertClean(RegistryLogin.basic(REGISTRY, "user", Secret.of(PLAIN)).toString());
    assertClean(new AccessToken(REGISTRY, Secret.of(JWT), Instant.now(), Set.of(Scope.pull("a"))).toString());
    assertClean(CredentialSource.servicePrincipal(CredentialSourceTest.TENANT, CredentialSourceTest.CLIENT,
        Secret.of(PLAIN)).cacheKey());
  }

  @Test
  void exceptionsRedactServerDetailAndCausesAndSerializeClean() throws Exception {
    RuntimeException library = new RuntimeException("request failed: access_token=" + PLAIN + " body " + JWT,
        new IllegalStateException("Authorization: Bearer " + JWT));
    AcrAuthException e = AcrAuthException.because(Reason.TOKEN_REJECTED)
        .registry(REGISTRY.loginServer())
        .source("service principal")
        .detail("{\"refresh_token\":\"" + PLAIN + "\",\"raw\":\"" + JWT + "\"}")
        .cause(library)
        .failed();
    for (String text : List.of(e.getMessage(), e.toString(), e.detail().orElse(""),
        e.getCause().getMessage(), e.getCause().getCause().getMessage())) {
      assertClean(text);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(e);
    }
    assertClean(bytes.toString(StandardCharsets.ISO_8859_1));
  }

  @Test
  void redactionCatchesSecretFieldsInCommonShapes() {
    for (String text : List.of(
        "client_secret=" + PLAIN + "&grant_type=client_credentials",
        "{\"password\": \"" + PLAIN + "\"}",
        "{\"auth\":\"" + PLAIN + "\"}",
        "X-IDENTITY-HEADER: " + PLAIN)) {
      assertClean(Redaction.redact(text));
    }
    assertClean(Redaction.redact("mentions " + PLAIN + " verbatim", Secret.of(PLAIN)));
  }
}
