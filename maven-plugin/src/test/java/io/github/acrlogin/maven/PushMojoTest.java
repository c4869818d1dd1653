package io.github.acrlogin.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import io.github.acrlogin.auth.DockerConfig;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
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
    PushMojo.Redactor r = new PushMojo.Redactor()
        .add(RegistryLogin.refreshToken(registry, Secret.of("secretRefreshToken"), Instant.EPOCH));
    String out = r.redact("Did not get token; parameters: service=x&grant_type=refresh_token&refresh_token=abc&scope=y"
        + " secretRefreshToken");
    assertFalse(out.contains("abc") || out.contains("secretRefreshToken"), out);
  }

  @Test
  void redactorHidesTheBase64OfABasicLoginWhereverItIsEchoed() {
    PushMojo.Redactor r = new PushMojo.Redactor()
        .add(RegistryLogin.basic(registry, "ci-push", Secret.of("token-password-1")));
    String basic = Base64.getEncoder().encodeToString("ci-push:token-password-1".getBytes(StandardCharsets.UTF_8));
    String out = r.redact("GET /oauth2/token failed; request headers: {Authorization=[Basic " + basic + "]}, sent "
        + basic + " and token-password-1");
    assertFalse(out.contains(basic) || out.contains("token-password-1"), out);
    assertTrue(out.contains("GET /oauth2/token failed"), out);
  }

  @Test
  void redactorHidesJibsOwnAccessTokensAndJsonTokenFields() {
    // An access token that Jib got itself, never handed to the redactor.
    String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhY2Nlc3MiOltdfQ.c2lnbmF0dXJl";
    PushMojo.Redactor r = new PushMojo.Redactor();
    String out = r.redact("Unauthorized with Bearer " + jwt + "; body {\"access_token\":\"opaque-value-42\"}");
    assertFalse(out.contains(jwt) || out.contains("opaque-value-42"), out);
    assertEquals("", r.redact(null));
  }

  @Test
  void aLocalFailureNeitherWaitsForTheLoginNorIsReplacedByIt() throws Exception {
    PushMojo.BackgroundLogin running = new PushMojo.BackgroundLogin(new CompletableFuture<>());
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> running.rethrowFailure(false)); // returns at once

    CompletableFuture<RegistryLogin> failed = new CompletableFuture<>();
    failed.completeExceptionally(new IllegalStateException("login broke"));
    assertThrows(IllegalStateException.class, () -> new PushMojo.BackgroundLogin(failed).rethrowFailure(false));

    PushMojo.BackgroundLogin succeeded = new PushMojo.BackgroundLogin(CompletableFuture.completedFuture(
        RegistryLogin.basic(registry, "u", Secret.of("password"))));
    succeeded.rethrowFailure(true); // nothing to rethrow
  }

  @Test
  void onlyCredentialFailuresOfJibCountAsTheLogins() {
    assertFalse(PushMojo.JibFailures.isCredentialFailure(new java.io.IOException("disk full")));
    assertFalse(PushMojo.JibFailures.isCredentialFailure(
        new java.util.concurrent.ExecutionException(new IllegalStateException("no main class"))));
    assertTrue(PushMojo.JibFailures.isCredentialFailure(new java.util.concurrent.ExecutionException(
        new com.google.cloud.tools.jib.registry.credentials.CredentialRetrievalException(new RuntimeException()))));
  }

  @Test
  void tokenFileIsWrittenWithMode0600(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("out/token.json");
    DockerConfig.writePrivate(f, "{}".getBytes(StandardCharsets.UTF_8));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    DockerConfig.writePrivate(f, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
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
