package io.github.acrlogin.it.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Endpoint;
import io.github.acrlogin.it.ManagedIdentity;
import io.github.acrlogin.it.RepositoryPermission;
import io.github.acrlogin.it.RepositoryToken;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.TestRegistry;
import io.github.acrlogin.it.WorkloadIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sonatype.plexus.components.cipher.DefaultPlexusCipher;

/**
 * Real {@code mvn} runs of the sample projects in {@code src/test/projects} against one test bed (a real
 * docker-registry behind the Entra/ACR emulator), with the plugin and shared-auth taken from the throwaway local
 * repository that {@code invoker:install} filled. Nothing comes from Docker Hub: the images are built on
 * {@code scratch}.
 */
class AcrMavenPluginIT {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Path PROJECTS = Paths.get(System.getProperty("acr.it.projects", "src/test/projects"));
  static final Path LOCAL_REPO = Paths.get(System.getProperty("acr.it.repo", "target/it-repo")).toAbsolutePath();
  static final Path WORK = Paths.get(System.getProperty("acr.it.work", "target/it-work")).toAbsolutePath();
  static final String PLUGIN_VERSION = System.getProperty("acr.it.pluginVersion", "0.1.0-SNAPSHOT");
  static final Path MIRROR = Paths.get(System.getProperty("acr.it.mirror",
      System.getProperty("user.home") + "/.m2/repository"));
  static final String MASTER_PASSWORD = "it-master-password";

  static AcrTestBed bed;
  static TestRegistry registry;
  static TestRegistry noArm;
  static ServicePrincipal pusher;
  static ServicePrincipal pullOnly;

  @BeforeAll
  static void startBed() throws Exception {
    Files.createDirectories(WORK);
    bed = AcrTestBed.start();
    registry = bed.addRegistry("itregistry", r -> r.adminUser(true));
    noArm = bed.addRegistry("noarmregistry", r -> r.armPolicy(false));
    pusher = bed.addServicePrincipal();
    bed.grant(pusher, registry, Role.ACR_PUSH).grant(pusher, noArm, Role.ACR_PUSH);
    pullOnly = bed.addServicePrincipal();
    bed.grant(pullOnly, registry, Role.ACR_PULL);
    writeGroupMetadata();
  }

  @AfterAll
  static void stopBed() throws IOException {
    if (bed != null) {
      bed.close();
    }
    deleteWork();
  }

  /**
   * Removes the work directory: its settings files, token files, Docker configs and build logs hold the bed's
   * throwaway secrets, and no file with a secret is left behind (keep it with {@code -Dacr.it.keepWorkDir=true}).
   */
  static void deleteWork() throws IOException {
    if (Boolean.getBoolean("acr.it.keepWorkDir") || !Files.exists(WORK)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(WORK)) {
      for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  // ------------------------------------------------------------------ pushes, one per identity kind

  @Test
  void servicePrincipalWithEncryptedSecretPushesAndNothingSecretIsLoggedEvenWithDebug() throws Exception {
    MavenRun.Result r = mvn(settings(server(registry.loginServer(), pusher.clientId(), encrypt(pusher.requireSecret()))))
        .goals("compile", "acr:push")
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", pusher.tenantId())
        .debug()
        .in(PROJECTS.resolve("hello"), "sp-encrypted");
    assertTrue(r.succeeded(), r::toString);
    JsonNode result = pushResult(r.projectDir());
    assertEquals(registry.loginServer() + "/hello:1.0.0", result.get("image").asText());
    assertTrue(result.get("digest").asText().startsWith("sha256:"), result::toString);
    assertEquals(List.of("1.0.0", "latest"), strings(result.get("tags")));
    assertTrue(r.log().contains("Digest: " + result.get("digest").asText()), "digest printed");
    assertTrue(r.log().contains("Building and pushing:"), "progress printed");
    assertFalse(r.log().contains(pusher.requireSecret()), "client secret in the -X log");
    assertNoJwt(r.log());
  }

  @Test
  void managedIdentityPushes() throws Exception {
    ManagedIdentity mi = bed.systemAssignedIdentity();
    bed.grant(mi, registry, Role.ACR_PUSH);
    MavenRun.Result r = mvn(settings(""))
        .goals("compile", "acr:push")
        .property("acr.auth.method", "managed-identity")
        .property("acr.repository", "hello-mi")
        .env("IDENTITY_ENDPOINT", bed.identityEndpoint())
        .env("IDENTITY_HEADER", bed.identityHeader())
        .in(PROJECTS.resolve("hello"), "managed-identity");
    assertTrue(r.succeeded(), r::toString);
    assertEquals(registry.loginServer() + "/hello-mi:1.0.0", pushResult(r.projectDir()).get("image").asText());
  }

  @Test
  void workloadIdentityPushesFromTheAksEnvironment() throws Exception {
    WorkloadIdentity wi = bed.addWorkloadIdentity("system:serviceaccount:ci:builder");
    bed.grant(wi, registry, Role.ACR_PUSH);
    Path token = bed.federatedToken(wi);
    MavenRun.Result r = mvn(settings(""))
        .goals("compile", "acr:push")
        .property("acr.auth.method", "workload-identity")
        .property("acr.repository", "hello-wi")
        .env("AZURE_TENANT_ID", wi.tenantId())
        .env("AZURE_CLIENT_ID", wi.clientId())
        .env("AZURE_FEDERATED_TOKEN_FILE", token.toString())
        .in(PROJECTS.resolve("hello"), "workload-identity");
    assertTrue(r.succeeded(), r::toString);
    assertEquals(registry.loginServer() + "/hello-wi:1.0.0", pushResult(r.projectDir()).get("image").asText());
  }

  @Test
  void servicePrincipalWithAPfxCertificateFromSettingsPushes() throws Exception {
    io.github.acrlogin.it.ServicePrincipal certSp = bed.addServicePrincipal(s -> s.secret(false).certificate(true));
    bed.grant(certSp, registry, Role.ACR_PUSH);
    io.github.acrlogin.it.TestCertificate cert = certSp.certificate().orElseThrow();
    // settings.xml: <privateKey> is the certificate file, <passphrase> its (encrypted) password.
    String server = "<server><id>" + registry.loginServer() + "</id><username>" + certSp.clientId()
        + "</username><privateKey>" + cert.pfxFile() + "</privateKey><passphrase>" + encrypt(cert.pfxPassword())
        + "</passphrase></server>";
    MavenRun.Result r = mvn(settings(server))
        .goals("compile", "acr:push")
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", certSp.tenantId())
        .property("acr.repository", "hello-cert")
        .in(PROJECTS.resolve("hello"), "sp-certificate");
    assertTrue(r.succeeded(), r::toString);
    assertEquals(registry.loginServer() + "/hello-cert:1.0.0", pushResult(r.projectDir()).get("image").asText());
    assertFalse(r.log().contains(cert.pfxPassword()), "certificate password in the log");
  }

  @Test
  void aBaseImageInTheRegistryIsPulledWithTheSameIdentity() throws Exception {
    // The registry allows no anonymous pull: building on an image of its own only works if the plugin
    // authenticates the base image pull too.
    String settings = settings(server(registry.loginServer(), pusher.clientId(), encrypt(pusher.requireSecret())));
    MavenRun.Result base = mvn(settings).goals("compile", "acr:push")
        .property("acr.auth.method", "service-principal").property("acr.auth.tenantId", pusher.tenantId())
        .property("acr.repository", "base/runtime")
        .in(PROJECTS.resolve("hello"), "base-image-first");
    assertTrue(base.succeeded(), base::toString);
    String baseImage = registry.loginServer() + "/base/runtime:1.0.0";

    MavenRun.Result r = mvn(settings).goals("compile", "acr:push")
        .property("acr.auth.method", "service-principal").property("acr.auth.tenantId", pusher.tenantId())
        .property("acr.repository", "on-acr-base")
        .property("sample.from", baseImage) // the sample's <from>; a POM element wins over -Dacr.from
        .in(PROJECTS.resolve("hello"), "base-image-from-acr");
    assertTrue(r.succeeded(), r::toString);
    assertTrue(r.log().contains(baseImage), "built from the registry's own image: " + r);
    assertEquals(registry.loginServer() + "/on-acr-base:1.0.0", pushResult(r.projectDir()).get("image").asText());
  }

  @Test
  void repositoryTokenPushes() throws Exception {
    RepositoryToken token = bed.addRepositoryToken(registry, "ci-push",
        Map.of("hello-token", Set.of(RepositoryPermission.CONTENT_READ, RepositoryPermission.CONTENT_WRITE)));
    MavenRun.Result r = mvn(settings(server(registry.loginServer(), "ci-push", encrypt(token.password1()))))
        .goals("compile", "acr:push")
        .property("acr.auth.method", "repository-token")
        .property("acr.repository", "hello-token")
        .in(PROJECTS.resolve("hello"), "repository-token");
    assertTrue(r.succeeded(), r::toString);
    assertFalse(r.log().contains(token.password1()));
  }

  @Test
  void adminUserPushesWithAWarning() throws Exception {
    MavenRun.Result r = mvn(settings(server(registry.loginServer(), registry.adminUsername(),
            encrypt(registry.adminPassword()))))
        .goals("compile", "acr:push")
        .property("acr.auth.method", "admin-user")
        .property("acr.repository", "hello-admin")
        .in(PROJECTS.resolve("hello"), "admin-user");
    assertTrue(r.succeeded(), r::toString);
    assertTrue(r.log().contains("[WARNING]") && r.log().contains("admin user"), "admin-user warning");
    assertFalse(r.log().contains(registry.adminPassword()));
  }

  // ------------------------------------------------------------------ one exchange for a reactor

  @Test
  void reactorOfThreeImagesMakesOneExchange() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, registry, Role.ACR_PUSH);
    bed.counters().reset();
    MavenRun.Result r = mvn(settings(server(registry.loginServer(), sp.clientId(), encrypt(sp.requireSecret()))))
        .goals("compile", "acr:push")
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", sp.tenantId())
        .in(PROJECTS.resolve("reactor"), "reactor");
    assertTrue(r.succeeded(), r::toString);
    for (String module : List.of("one", "two", "three")) {
      assertEquals(registry.loginServer() + "/reactor/" + module + ":1.0.0",
          pushResult(r.projectDir().resolve(module)).get("image").asText());
    }
    assertEquals(1, bed.counters().count(Endpoint.ACR_EXCHANGE), () -> "exchanges: " + bed.counters());
    assertEquals(1, bed.counters().count(Endpoint.ENTRA_TOKEN), () -> "Entra tokens: " + bed.counters());
    System.out.println("[reactor of 3] emulator counters: " + bed.counters());
  }

  // ------------------------------------------------------------------ acr:login and acr:token

  @Test
  void loginWritesADockerConfigThatSkopeoUses() throws Exception {
    Path dockerConfig = WORK.resolve("docker-config-" + System.nanoTime());
    MavenRun.Result r = mvn(settings(server(registry.loginServer(), pusher.clientId(), encrypt(pusher.requireSecret()))))
        .goals("compile", "acr:push", "acr:login")
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", pusher.tenantId())
        .property("acr.repository", "hello-login")
        .property("acr.dockerConfig", dockerConfig.toString())
        .in(PROJECTS.resolve("hello"), "login");
    assertTrue(r.succeeded(), r::toString);
    Path config = dockerConfig.resolve("config.json");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
    String digest = pushResult(r.projectDir()).get("digest").asText();
    String[] inspect = skopeo("inspect", "--authfile", config.toString(), "--cert-dir", bed.certDir().toString(),
        "docker://" + registry.loginServer() + "/hello-login:1.0.0");
    assertEquals("0", inspect[0], inspect[1]);
    assertEquals(digest, JSON.readTree(inspect[1]).get("Digest").asText());
  }

  @Test
  void tokenPrintsJsonOnStandardOutputOnly() throws Exception {
    MavenRun.Result r = mvn(settings(server(registry.loginServer(), pusher.clientId(), encrypt(pusher.requireSecret()))))
        .goals("acr:token")
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", pusher.tenantId())
        .property("acr.scope", "repository:hello:pull")
        .quiet()
        .in(PROJECTS.resolve("hello"), "token");
    assertTrue(r.succeeded(), r::toString);
    JsonNode token = JSON.readTree(r.log().substring(r.log().indexOf('{'), r.log().lastIndexOf('}') + 1));
    assertEquals(registry.loginServer(), token.get("loginServer").asText());
    assertEquals("00000000-0000-0000-0000-000000000000", token.get("username").asText());
    assertTrue(token.get("refreshToken").asText().startsWith("eyJ"));
    assertTrue(token.get("accessToken").asText().startsWith("eyJ"));
  }

  @Test
  void tokenWritesAPrivateFileAndTheLogHasNoToken() throws Exception {
    Path out = WORK.resolve("token-" + System.nanoTime() + ".json");
    MavenRun.Result r = mvn(settings(server(registry.loginServer(), pusher.clientId(), encrypt(pusher.requireSecret()))))
        .goals("acr:token")
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", pusher.tenantId())
        .property("acr.output", out.toString())
        .in(PROJECTS.resolve("hello"), "token-file");
    assertTrue(r.succeeded(), r::toString);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    String refresh = JSON.readTree(out.toFile()).get("refreshToken").asText();
    assertFalse(r.log().contains(refresh));
    assertNoJwt(r.log());
  }

  @Test
  void pluginGroupsResolveTheAcrPrefixWithoutAProject() throws Exception {
    String settings = settings(server(registry.loginServer(), pusher.clientId(), encrypt(pusher.requireSecret())))
        .replace("<servers>", "<pluginGroups><pluginGroup>io.github.acrlogin</pluginGroup></pluginGroups><servers>");
    Path file = WORK.resolve("settings-plugin-groups.xml");
    Files.writeString(file, settings);
    MavenRun.Result r = mvnWith(file)
        .goals("acr:token")
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", pusher.tenantId())
        .property("acr.output", WORK.resolve("token-no-project.json").toString())
        .in(null, "plugin-groups");
    assertTrue(r.succeeded(), r::toString);
    assertTrue(r.log().contains("io.github.acrlogin:acr-maven-plugin") || r.log().contains("acr-maven-plugin"),
        r::toString);
  }

  // ------------------------------------------------------------------ failures with remedies

  @Test
  void wrongSecretFailsWithTheRemedy() throws Exception {
    MavenRun.Result r = mvn(settings(server(registry.loginServer(), pusher.clientId(), encrypt("not-the-secret"))))
        .goals("compile", "acr:push")
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", pusher.tenantId())
        .in(PROJECTS.resolve("hello"), "wrong-secret");
    assertFalse(r.succeeded(), r::toString);
    assertTrue(r.log().contains("AADSTS7000215") && r.log().contains("check the secret value"), r::toString);
    assertTrue(r.log().contains("BUILD FAILURE"));
    assertFalse(r.log().contains("not-the-secret"));
  }

  @Test
  void pullOnlyRoleFailsAskingForAcrPush() throws Exception {
    MavenRun.Result r = mvn(settings(server(registry.loginServer(), pullOnly.clientId(),
            encrypt(pullOnly.requireSecret()))))
        .goals("compile", "acr:push")
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", pullOnly.tenantId())
        .property("acr.repository", "hello-pull-only")
        .in(PROJECTS.resolve("hello"), "pull-only");
    assertFalse(r.succeeded(), r::toString);
    assertTrue(r.log().contains("AcrPush"), r::toString);
    assertTrue(r.log().contains("BUILD FAILURE"));
  }

  @Test
  void armAudienceOnARegistryWithAuthenticationAsArmDisabledFails() throws Exception {
    MavenRun.Result r = mvn(settings(server(noArm.loginServer(), pusher.clientId(), encrypt(pusher.requireSecret()))))
        .goals("compile", "acr:push")
        .property("acr.registry", noArm.loginServer())
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", pusher.tenantId())
        .property("acr.audience", "arm")
        .in(PROJECTS.resolve("hello"), "arm-disallowed");
    assertFalse(r.succeeded(), r::toString);
    assertTrue(r.log().contains("arm aad token disallowed") && r.log().contains("use the default ACR audience"),
        r::toString);
  }

  @Test
  void unreachableRegistryFails() throws Exception {
    MavenRun.Result r = mvn(settings(server("127.0.0.1:9", pusher.clientId(), encrypt(pusher.requireSecret()))))
        .goals("compile", "acr:push")
        .property("acr.registry", "127.0.0.1:9")
        .property("acr.auth.method", "service-principal")
        .property("acr.auth.tenantId", pusher.tenantId())
        .in(PROJECTS.resolve("hello"), "unreachable");
    assertFalse(r.succeeded(), r::toString);
    assertTrue(r.log().contains("could not be reached") && r.log().contains("proxy"), r::toString);
  }

  @Test
  void secretInThePomIsRefused() throws Exception {
    Path sample = WORK.resolve("hello-secret-in-pom");
    MavenRun.deleteTree(sample);
    MavenRun.copyTree(PROJECTS.resolve("hello"), sample);
    Path pom = sample.resolve("pom.xml");
    String original = Files.readString(pom);
    String anchor = "<from>${sample.from}</from>";
    assertTrue(original.contains(anchor), "the sample still configures <from> as the test expects");
    Files.writeString(pom, original.replace(anchor,
        anchor + "<auth><method>service-principal</method><clientSecret>pom-secret-123</clientSecret></auth>"));
    MavenRun.Result r = mvn(settings("")).goals("compile", "acr:push").in(sample, "secret-in-pom");
    assertFalse(r.succeeded(), r::toString);
    assertTrue(r.log().contains("<auth><clientSecret> is a secret written in the POM"), r::toString);
  }

  // ------------------------------------------------------------------ helpers

  private MavenRun mvn(String settingsXml) throws Exception {
    Path file = Files.createTempFile(WORK, "settings-", ".xml");
    Files.writeString(file, settingsXml);
    return mvnWith(file);
  }

  private MavenRun mvnWith(Path settingsFile) throws Exception {
    Path security = WORK.resolve("settings-security.xml");
    if (!Files.exists(security)) {
      Files.writeString(security, "<settingsSecurity><master>" + cipher(MASTER_PASSWORD, "settings.security")
          + "</master></settingsSecurity>");
    }
    return new MavenRun(WORK, LOCAL_REPO, bed.trustStore(), bed.trustStorePassword())
        .settings(settingsFile)
        .property("settings.security", security.toString())
        .property("acr.plugin.version", PLUGIN_VERSION)
        .property("acr.registry", registry.loginServer())
        .property("acr.authorityHost", bed.authorityHost());
  }

  /** A settings.xml: the throwaway local repo, ~/.m2 as a file:// mirror of everything, and these servers. */
  static String settings(String servers) {
    return "<settings><localRepository>" + LOCAL_REPO + "</localRepository>"
        + "<mirrors><mirror><id>local-m2</id><mirrorOf>*</mirrorOf><url>" + MIRROR.toUri() + "</url></mirror></mirrors>"
        + "<servers>" + servers + "</servers></settings>";
  }

  static String server(String id, String username, String password) {
    return "<server><id>" + id + "</id><username>" + username + "</username><password>" + password
        + "</password></server>";
  }

  /** As {@code mvn --encrypt-password}: encrypted with the master password. */
  static String encrypt(String secret) throws Exception {
    return cipher(secret, MASTER_PASSWORD);
  }

  static String cipher(String text, String passphrase) throws Exception {
    return new DefaultPlexusCipher().encryptAndDecorate(text, passphrase);
  }

  private static JsonNode pushResult(Path project) throws IOException {
    return JSON.readTree(project.resolve("target/acr-push.json").toFile());
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** No JSON Web Token (Entra token, refresh token, access token) anywhere in a build log. */
  private static void assertNoJwt(String log) {
    int at = log.indexOf("eyJ");
    assertTrue(at < 0, () -> "a token-like string in the log: ..."
        + log.substring(Math.max(0, at - 200), Math.min(log.length(), at + 20)) + "...");
  }

  /**
   * The group metadata a deployed repository has for plugin prefixes (written by maven-plugin-plugin on deploy),
   * which a local install of a snapshot does not write.
   */
  static void writeGroupMetadata() throws IOException {
    Path dir = Files.createDirectories(LOCAL_REPO.resolve("io/github/acrlogin"));
    Files.writeString(dir.resolve("maven-metadata-local.xml"), "<metadata><plugins><plugin><name>acr-login: Maven"
        + " plugin</name><prefix>acr</prefix><artifactId>acr-maven-plugin</artifactId></plugin></plugins></metadata>",
        StandardCharsets.UTF_8);
  }

  private static String[] skopeo(String... args) throws Exception {
    Path home = Files.createDirectories(WORK.resolve("skopeo-home"));
    Path policy = home.resolve("policy.json");
    Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    List<String> command = new ArrayList<>(List.of("skopeo", "--policy", policy.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("HOME", home.toString());
    pb.environment().put("XDG_RUNTIME_DIR", home.toString());
    Path out = home.resolve("out-" + System.nanoTime());
    pb.redirectErrorStream(true).redirectOutput(out.toFile());
    Process p = pb.start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("skopeo did not finish in 90 s");
    }
    return new String[] {String.valueOf(p.exitValue()), Files.readString(out)};
  }
}
