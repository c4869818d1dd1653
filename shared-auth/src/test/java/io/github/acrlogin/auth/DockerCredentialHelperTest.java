package io.github.acrlogin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerCredentialHelperTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final String MINTED = jwt(NOW.plusSeconds(3 * 3600));

  @TempDir Path state;

  private final List<Registry> asked = new ArrayList<>();
  private DockerCredentialHelper.LoginFunction login =
      registry -> {
        asked.add(registry);
        return RegistryLogin.refreshToken(registry, Secret.of(MINTED), NOW.plusSeconds(3 * 3600));
      };

  // ------------------------------------------------------------------ get

  @Test
  void getMintsARefreshTokenAndAnswersTheTokenUser() throws Exception {
    Result r = run("get", "myregistry.azurecr.io\n");

    assertEquals(0, r.code, r.out);
    JsonNode answer = JSON.readTree(r.out);
    assertEquals("myregistry.azurecr.io", answer.get("ServerURL").asText());
    assertEquals("<token>", answer.get("Username").asText());
    assertEquals(MINTED, answer.get("Secret").asText());
    assertEquals(List.of(Registry.parse("myregistry.azurecr.io")), asked);
    assertEquals("", r.err);
  }

  @Test
  void getEchoesTheServerUrlAsDockerSentIt() throws Exception {
    Result r = run("get", "https://MyRegistry.azurecr.io");
    assertEquals("https://MyRegistry.azurecr.io", JSON.readTree(r.out).get("ServerURL").asText());
    assertEquals("myregistry.azurecr.io", asked.get(0).loginServer());
  }

  @Test
  void getMintsAgainOnEveryCall() throws Exception {
    run("get", "myregistry.azurecr.io");
    run("get", "myregistry.azurecr.io");
    assertEquals(2, asked.size());
  }

  @Test
  void getForUsernamePasswordLoginAnswersTheRealUser() throws Exception {
    login = registry -> RegistryLogin.basic(registry, "pushtoken", Secret.of("repo-token-password"));
    JsonNode answer = JSON.readTree(run("get", "myregistry.azurecr.io").out);
    assertEquals("pushtoken", answer.get("Username").asText());
    assertEquals("repo-token-password", answer.get("Secret").asText());
  }

  @Test
  void getWithoutServerUrlFails() {
    Result r = run("get", "  \n");
    assertEquals(1, r.code);
    assertEquals("no credentials server URL\n", r.out);
  }

  @Test
  void getForSomethingThatIsNotARegistryIsNotFound() {
    Result r = run("get", "https://index.docker.io/v1/");
    assertEquals(1, r.code);
    assertEquals(DockerCredentialHelper.NOT_FOUND + "\n", r.out);
    assertTrue(asked.isEmpty());
  }

  @Test
  void getForAServerThatIsNotAcrIsNotFound() {
    login = registry -> {
      throw AcrAuthException.because(Reason.NOT_ACR).registry(registry.loginServer()).failed();
    };
    Result r = run("get", "quay.io");
    assertEquals(1, r.code);
    assertEquals(DockerCredentialHelper.NOT_FOUND + "\n", r.out);
  }

  @Test
  void loginFailurePrintsItsOneLineMessageWithoutStackTrace() {
    login = registry -> {
      throw AcrAuthException.because(Reason.MISSING_ROLE)
          .registry(registry.loginServer())
          .detail("retrieving permissions failed; refresh_token=" + MINTED)
          .cause(new IllegalStateException("token " + MINTED))
          .failed();
    };
    Result r = run("get", "myregistry.azurecr.io");

    assertEquals(1, r.code);
    assertEquals(1, r.out.lines().count(), r.out);
    assertTrue(r.out.startsWith("ACR login failed for myregistry.azurecr.io"), r.out);
    assertTrue(r.out.contains("AcrPull"), r.out);
    assertNoSecret(r, MINTED);
    assertFalse(r.out.contains("\tat "), r.out);
    assertFalse(r.err.contains("\tat "), r.err);
  }

  @Test
  void unexpectedFailureIsOneRedactedLine() {
    login = registry -> {
      throw new IllegalStateException("boom with Bearer " + MINTED + "\nsecond line");
    };
    Result r = run("get", "myregistry.azurecr.io");

    assertEquals(1, r.code);
    assertEquals(1, r.out.lines().count(), r.out);
    assertTrue(r.out.startsWith("docker-credential-acr get failed: boom"), r.out);
    assertNoSecret(r, MINTED);
  }

  // ------------------------------------------------------------------ store, erase, list

  @Test
  void storedCredentialsWinOverMintingUntilErased() throws Exception {
    String stored = "{\"ServerURL\":\"https://myregistry.azurecr.io\",\"Username\":\"myregistry\","
        + "\"Secret\":\"admin-password\"}";
    assertEquals(0, run("store", stored).code);

    JsonNode answer = JSON.readTree(run("get", "myregistry.azurecr.io").out);
    assertEquals("myregistry", answer.get("Username").asText());
    assertEquals("admin-password", answer.get("Secret").asText());
    assertTrue(asked.isEmpty());

    assertEquals(0, run("erase", "myregistry.azurecr.io").code);
    assertEquals("<token>", JSON.readTree(run("get", "myregistry.azurecr.io").out).get("Username").asText());
    assertEquals(1, asked.size());
  }

  @Test
  void storedAcrTokenThatExpiresSoonIsReplacedByAFreshOne() throws Exception {
    String expiring = jwt(NOW.plusSeconds(60));
    run("store", "{\"ServerURL\":\"myregistry.azurecr.io\",\"Username\":\"<token>\",\"Secret\":\"" + expiring + "\"}");

    assertEquals(MINTED, JSON.readTree(run("get", "myregistry.azurecr.io").out).get("Secret").asText());
  }

  @Test
  void storedAcrTokenStillValidIsUsed() throws Exception {
    String valid = jwt(NOW.plusSeconds(3600));
    run("store", "{\"ServerURL\":\"myregistry.azurecr.io\",\"Username\":\""
        + RegistryLogin.TOKEN_USERNAME + "\",\"Secret\":\"" + valid + "\"}");

    assertEquals(valid, JSON.readTree(run("get", "myregistry.azurecr.io").out).get("Secret").asText());
    assertTrue(asked.isEmpty());
  }

  @Test
  void storeKeepsCredentialsInAnOwnerOnlyFile() throws Exception {
    assumeTrue(DockerConfig.isPosix());
    Path dir = state.resolve("new-dir");
    DockerCredentialHelper helper = new DockerCredentialHelper(login, dir, fixedClock());
    helper.run("store", in("{\"ServerURL\":\"ghcr.io\",\"Username\":\"me\",\"Secret\":\"s3cret\"}"),
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));

    Path file = dir.resolve(DockerCredentialHelper.STATE_FILE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
  }

  @Test
  void storeRejectsMalformedInputWithoutEchoingIt() {
    Result r = run("store", "{\"ServerURL\":\"x\",\"Secret\":\"hunter2-secret\"");
    assertEquals(1, r.code);
    assertTrue(r.out.contains("not a JSON object"), r.out);
    assertNoSecret(r, "hunter2-secret");
  }

  @Test
  void storeNeedsServerUrlUserAndSecret() {
    assertEquals("no credentials server URL\n", run("store", "{\"Username\":\"u\",\"Secret\":\"s\"}").out);
    assertEquals("no credentials username\n", run("store", "{\"ServerURL\":\"x.io\",\"Secret\":\"s\"}").out);
    assertEquals("no credentials secret\n", run("store", "{\"ServerURL\":\"x.io\",\"Username\":\"u\"}").out);
  }

  @Test
  void listShowsStoredUsersAndMintedRegistriesButNoSecrets() throws Exception {
    run("store", "{\"ServerURL\":\"ghcr.io\",\"Username\":\"octocat\",\"Secret\":\"ghp_secret\"}");
    run("get", "myregistry.azurecr.io");
    run("get", "myregistry.azurecr.io");

    Result r = run("list", "");
    assertEquals(0, r.code);
    JsonNode list = JSON.readTree(r.out);
    assertEquals("octocat", list.get("ghcr.io").asText());
    assertEquals("<token>", list.get("myregistry.azurecr.io").asText());
    assertEquals(2, list.size());
    assertNoSecret(r, "ghp_secret");
    // Minted tokens never reach the disk.
    assertFalse(Files.readString(state.resolve(DockerCredentialHelper.STATE_FILE)).contains(MINTED));
  }

  @Test
  void listWithNoStateIsEmpty() {
    Result r = run("list", "");
    assertEquals(0, r.code);
    assertEquals("{}\n", r.out);
  }

  @Test
  void eraseOfUnknownServerSucceeds() {
    assertEquals(0, run("erase", "nothing.azurecr.io").code);
    assertEquals(1, run("erase", "").code);
  }

  @Test
  void unknownOrMissingVerbFails() {
    Result r = run("delete", "");
    assertEquals(1, r.code);
    assertTrue(r.out.contains("Usage: docker-credential-acr"), r.out);
    assertEquals(1, run(null, "").code);
  }

  @Test
  void versionPrintsTheHelperName() {
    Result r = run("version", "");
    assertEquals(0, r.code);
    assertTrue(r.out.startsWith("docker-credential-acr "), r.out);
  }

  @Test
  void corruptStateFileStillLetsGetMintButListFails() throws Exception {
    Files.writeString(state.resolve(DockerCredentialHelper.STATE_FILE), "{\"credentials\": {\"x\": SECRET");

    Result get = run("get", "myregistry.azurecr.io");
    assertEquals(0, get.code, get.out);
    assertTrue(get.err.contains("ignoring stored credentials"), get.err);

    Result list = run("list", "");
    assertEquals(1, list.code);
    assertTrue(list.out.contains("not valid JSON"), list.out);
    assertNoSecret(list, "SECRET");
  }

  // ------------------------------------------------------------------ environment

  @Test
  void authMethodChoosesTheCredentialSource() {
    assertEquals(CredentialSource.Kind.DEFAULT_CHAIN, source(Map.of()).kind());
    assertEquals(CredentialSource.Kind.DEFAULT_CHAIN, source(Map.of("ACR_AUTH_METHOD", "default")).kind());
    assertEquals(CredentialSource.Kind.WORKLOAD_IDENTITY,
        source(Map.of("ACR_AUTH_METHOD", "workload-identity")).kind());
    assertEquals(CredentialSource.Kind.ENVIRONMENT, source(Map.of("ACR_AUTH_METHOD", "environment")).kind());
    assertEquals(CredentialSource.Kind.AZURE_CLI, source(Map.of("ACR_AUTH_METHOD", "CLI")).kind());

    CredentialSource system = source(Map.of("ACR_AUTH_METHOD", "managed-identity"));
    assertEquals(CredentialSource.ManagedIdentityId.SYSTEM_ASSIGNED, system.managedIdentityId().get());
    CredentialSource user = source(Map.of("ACR_AUTH_METHOD", "managed-identity",
        "AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555"));
    assertEquals(CredentialSource.ManagedIdentityId.CLIENT_ID, user.managedIdentityId().get());
    assertEquals("11111111-2222-3333-4444-555555555555", user.managedIdentityValue().get());
  }

  @Test
  void unknownAuthMethodFailsAsConfigurationErrorListingTheChoices() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> source(Map.of("ACR_AUTH_METHOD", "magic")));
    assertTrue(e.getMessage().contains("default, managed-identity, workload-identity, environment or cli"));

    login = DockerCredentialHelper.fromEnvironment(Map.of("ACR_AUTH_METHOD", "magic"), AuthEvent.IGNORE);
    Result r = run("get", "myregistry.azurecr.io");
    assertEquals(1, r.code);
    assertTrue(r.out.startsWith("docker-credential-acr failed for myregistry.azurecr.io"), r.out);
    assertTrue(r.out.contains("ACR_AUTH_METHOD 'magic' is unknown"), r.out);
  }

  @Test
  void stateDirectoryPrefersTheHelperVariableThenDockerConfigThenHome() {
    assertEquals(Paths.get("/a"), DockerCredentialHelper.stateDirectory(
        Map.of("ACR_CREDENTIAL_HELPER_DIR", "/a", "DOCKER_CONFIG", "/b"), "/home/u"));
    assertEquals(Paths.get("/b"), DockerCredentialHelper.stateDirectory(Map.of("DOCKER_CONFIG", "/b"), "/home/u"));
    assertEquals(Paths.get("/home/u/.docker"), DockerCredentialHelper.stateDirectory(Map.of(), "/home/u"));
  }

  // ------------------------------------------------------------------ helpers

  private static CredentialSource source(Map<String, String> env) {
    return DockerCredentialHelper.credentialSource(env);
  }

  private Result run(String verb, String input) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new DockerCredentialHelper(login, state, fixedClock())
        .run(verb, in(input), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void assertNoSecret(Result r, String secret) {
    assertFalse(r.out.contains(secret), r.out);
    assertFalse(r.err.contains(secret), r.err);
  }

  private static ByteArrayInputStream in(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  private static Clock fixedClock() {
    return Clock.fixed(NOW, ZoneOffset.UTC);
  }

  private static String jwt(Instant exp) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String claims = "{\"iss\":\"Azure Container Registry\",\"exp\":" + exp.getEpochSecond() + "}";
    claims = b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    return header + "." + claims + "." + b64.encodeToString("signature".getBytes(StandardCharsets.UTF_8));
  }

  private static final class Result {
    final int code;
    final String out;
    final String err;

    Result(int code, String out, String err) {
      this.code = code;
      this.out = out;
      this.err = err;
    }
  }

  @Test
  void mintsOnlyForAcrLoginServersSoAGlobalCredsStoreNeverSendsATokenElsewhere() throws Exception {
    java.util.Map<String, String> env = java.util.Map.of("ACR_AUTH_METHOD", "environment",
        "ACR_LOGIN_SERVERS", "registry.contoso.com, other.example.org");
    for (String acr : List.of("myregistry.azurecr.io", "contoso.azurecr.cn", "usgovreg.azurecr.us", "127.0.0.1:5000",
        "registry.contoso.com")) {
      assertTrue(DockerCredentialHelper.isAcrLoginServer(Registry.parse(acr), env), acr);
    }
    for (String other : List.of("ghcr.io", "index.docker.io", "quay.io", "registry.example.com")) {
      assertFalse(DockerCredentialHelper.isAcrLoginServer(Registry.parse(other), env), other);
      AcrAuthException e = assertThrows(AcrAuthException.class,
          () -> DockerCredentialHelper.fromEnvironment(env, AuthEvent.IGNORE).login(Registry.parse(other)));
      assertEquals(Reason.NOT_ACR, e.reason(), "answered as not found, before any network call");
    }
  }
}
