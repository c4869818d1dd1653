package io.github.acrlogin.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PushMojoTest {

  final Registry registry = Registry.parse("myregistry");

  @Test
  void refreshTokenLoginBecomesJibsOAuth2Credential() {
    Credential c = PushMojo.jib(RegistryLogin.refreshToken(registry, Secret.of("rt"), Instant.EPOCH));
    assertTrue(c.isOAuth2RefreshToken());
    assertEquals("rt", c.getPassword());
  }

  @Test
  void basicLoginStaysBasic() {
    Credential c = PushMojo.jib(RegistryLogin.basic(registry, "ci-token", Secret.of("pw")));
    assertFalse(c.isOAuth2RefreshToken());
    assertEquals("ci-token", c.getUsername());
  }

  @Test
  void baseImageInTheSameOrAnotherAcrRegistryIsRecognised() throws Exception {
    assertEquals(registry, PushMojo.acrRegistryOf(ImageReference.parse("myregistry.azurecr.io/base/java:17"), registry));
    assertEquals("other.azurecr.io",
        PushMojo.acrRegistryOf(ImageReference.parse("other.azurecr.io/base/java:17"), registry).loginServer());
    assertNull(PushMojo.acrRegistryOf(ImageReference.parse("eclipse-temurin:17-jre"), registry));
    assertNull(PushMojo.acrRegistryOf(ImageReference.parse("mcr.microsoft.com/openjdk/jdk:17-ubuntu"), registry));
  }

  @Test
  void redactorHidesCredentialsAndJibsEchoedForm() {
    PushMojo.Redactor r = new PushMojo.Redactor().add("eyJsecretRefreshToken");
    String out = r.redact("Did not get token; parameters: service=x&grant_type=refresh_token&refresh_token=abc&scope=y"
        + " eyJsecretRefreshToken");
    assertFalse(out.contains("abc") || out.contains("eyJsecretRefreshToken"), out);
  }

  @Test
  void tokenFileIsWrittenWithMode0600(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("out/token.json");
    TokenMojo.writePrivate(f, "{}");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    TokenMojo.writePrivate(f, "{\"a\":1}");
    assertEquals("{\"a\":1}", Files.readString(f));
  }

  @Test
  void scopesAreParsedAndBadOnesNamed() throws Exception {
    assertEquals(2, TokenMojo.scopes("repository:a:pull,push, repository:b:pull").size());
    String m = org.junit.jupiter.api.Assertions.assertThrows(ConfigurationProblem.class,
        () -> TokenMojo.scopes("repo:a")).getMessage();
    assertTrue(m.startsWith("<scope> (acr.scope)"), m);
  }
}
