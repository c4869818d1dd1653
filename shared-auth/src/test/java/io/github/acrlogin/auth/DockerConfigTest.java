package io.github.acrlogin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Registry REGISTRY = Registry.parse("myregistry.azurecr.io");
  private static final String REFRESH_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2lnbmF0dXJl";

  @TempDir Path dir;

  @Test
  void writesBase64UserColonPasswordThatDecodesBack() throws Exception {
    Path file = DockerConfig.write(dir, List.of(refreshLogin(REGISTRY)));

    assertEquals(dir.resolve("config.json"), file);
    String auth = read(file).path("auths").path("myregistry.azurecr.io").path("auth").asText();
    String decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
    assertEquals(RegistryLogin.TOKEN_USERNAME + ":" + REFRESH_TOKEN, decoded);
  }

  @Test
  void basicLoginKeepsItsUserName() throws Exception {
    RegistryLogin admin = RegistryLogin.basic(REGISTRY, "myregistry", Secret.of("p:ss=word"));
    DockerConfig.write(dir, List.of(admin));

    String auth = read(dir.resolve("config.json")).path("auths").path("myregistry.azurecr.io").path("auth").asText();
    assertEquals("myregistry:p:ss=word", new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8));
  }

  @Test
  void mergeKeepsEveryOtherKeyInItsOrder() throws Exception {
    Files.writeString(
        dir.resolve("config.json"),
        "{\n"
            + "  \"auths\": {\n"
            + "    \"ghcr.io\": {\"auth\": \"Z2g6dG9rZW4=\"},\n"
            + "    \"myregistry.azurecr.io\": {\"auth\": \"b2xkOm9sZA==\", \"email\": \"me@example.com\","
            + " \"identitytoken\": \"stale\"},\n"
            + "    \"https://myregistry.azurecr.io/v2/\": {\"auth\": \"b2xkOm9sZA==\"}\n"
            + "  },\n"
            + "  \"credHelpers\": {\"gcr.io\": \"gcloud\", \"myregistry.azurecr.io\": \"acr\"},\n"
            + "  \"credsStore\": \"desktop\",\n"
            + "  \"proxies\": {\"default\": {\"httpsProxy\": \"http://proxy:3128\"}},\n"
            + "  \"somethingNew\": [1, 2, {\"x\": true}]\n"
            + "}\n");

    DockerConfig.write(dir, List.of(refreshLogin(REGISTRY)));

    JsonNode root = read(dir.resolve("config.json"));
    assertEquals(List.of("auths", "credHelpers", "credsStore", "proxies", "somethingNew"), names(root));
    assertEquals(List.of("ghcr.io", "myregistry.azurecr.io"), names(root.get("auths")));
    assertEquals("Z2g6dG9rZW4=", root.at("/auths/ghcr.io/auth").asText());
    JsonNode entry = root.at("/auths/myregistry.azurecr.io");
    assertEquals(List.of("auth", "email"), names(entry)); // the stale identitytoken would win over auth
    assertEquals("me@example.com", entry.get("email").asText());
    assertEquals(List.of("gcr.io"), names(root.get("credHelpers"))); // a helper would shadow the auth
    assertEquals("desktop", root.get("credsStore").asText());
    assertEquals("http://proxy:3128", root.at("/proxies/default/httpsProxy").asText());
    assertEquals("[1,2,{\"x\":true}]", root.get("somethingNew").toString());
  }

  @Test
  void writesSeveralRegistriesAtOnce() throws Exception {
    Registry other = Registry.parse("other12345.azurecr.cn");
    DockerConfig.write(dir, List.of(refreshLogin(REGISTRY), refreshLogin(other)));

    assertEquals(
        List.of("myregistry.azurecr.io", "other12345.azurecr.cn"), names(read(dir.resolve("config.json")).get("auths")));
  }

  @Test
  void fileIsOwnerOnlyAndNewDirectoryIsPrivate() throws Exception {
    assumeTrue(DockerConfig.isPosix());
    Path nested = dir.resolve("does/not/exist");

    Path file = DockerConfig.write(nested, List.of(refreshLogin(REGISTRY)));

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(nested)));
  }

  @Test
  void existingLooseFileBecomesOwnerOnly() throws Exception {
    assumeTrue(DockerConfig.isPosix());
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{}");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    DockerConfig.write(dir, List.of(refreshLogin(REGISTRY)));

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void replacesTheFileAtomicallyLeavingNoTemporaryFiles() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"auths\":{}}");
    Object before = Files.readAttributes(file, "unix:ino").get("ino");

    DockerConfig.write(dir, List.of(refreshLogin(REGISTRY)));

    // A new inode: the old file was replaced by a rename, not rewritten in place.
    Object after = Files.readAttributes(file, "unix:ino").get("ino");
    assertTrue(!before.equals(after), "expected a rename over the old file");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void followsASymlinkedConfigAndReplacesItsTarget() throws Exception {
    Path real = dir.resolve("dotfiles/docker-config.json");
    Files.createDirectories(real.getParent());
    Files.writeString(real, "{\"credsStore\":\"pass\"}");
    Path link = Files.createSymbolicLink(dir.resolve("config.json"), real);

    DockerConfig.write(dir, List.of(refreshLogin(REGISTRY)));

    assertTrue(Files.isSymbolicLink(link));
    assertEquals("pass", read(real).get("credsStore").asText());
    assertTrue(read(real).at("/auths/myregistry.azurecr.io/auth").isTextual());
  }

  @Test
  void invalidExistingFileIsLeftAloneAndItsContentIsNotQuoted() throws Exception {
    Path file = dir.resolve("config.json");
    String broken = "{\"auths\": {\"x\": {\"auth\": SECRETVALUE}}}";
    Files.writeString(file, broken);

    IOException e = assertThrows(IOException.class, () -> DockerConfig.write(dir, List.of(refreshLogin(REGISTRY))));

    assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    assertFalse(e.getMessage().contains("SECRETVALUE"), e.getMessage());
    assertEquals(null, e.getCause());
    assertEquals(broken, Files.readString(file));
  }

  @Test
  void emptyExistingFileIsTreatedAsEmptyConfig() throws Exception {
    Files.writeString(dir.resolve("config.json"), "\n");
    DockerConfig.write(dir, List.of(refreshLogin(REGISTRY)));
    assertTrue(read(dir.resolve("config.json")).at("/auths/myregistry.azurecr.io/auth").isTextual());
  }

  @Test
  void duplicateRegistriesAndColonUserNamesAreReportedTogether() {
    RegistryLogin colon = RegistryLogin.basic(Registry.parse("other12345"), "a:b", Secret.of("pw"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class,
            () -> DockerConfig.write(dir, List.of(refreshLogin(REGISTRY), refreshLogin(REGISTRY), colon)));
    assertTrue(e.getMessage().contains("two logins for myregistry.azurecr.io"), e.getMessage());
    assertTrue(e.getMessage().contains("contains ':'"), e.getMessage());
  }

  @Test
  void removeDropsOnlyThatRegistryUnderEverySpelling() throws Exception {
    Files.writeString(
        dir.resolve("config.json"),
        "{\"auths\":{\"https://myregistry.azurecr.io\":{\"auth\":\"eA==\"},\"ghcr.io\":{\"auth\":\"eQ==\"}},"
            + "\"credHelpers\":{\"myregistry.azurecr.io\":\"acr\",\"gcr.io\":\"gcloud\"},\"proxies\":{}}");

    assertTrue(DockerConfig.remove(dir, "myregistry"));

    JsonNode root = read(dir.resolve("config.json"));
    assertEquals(List.of("ghcr.io"), names(root.get("auths")));
    assertEquals(List.of("gcr.io"), names(root.get("credHelpers")));
    assertTrue(root.has("proxies"));
    assertFalse(DockerConfig.remove(dir, "myregistry"));
  }

  @Test
  void removeFromAMissingFileOrDirectoryChangesNothing() throws Exception {
    assertFalse(DockerConfig.remove(dir.resolve("nowhere"), "myregistry.azurecr.io"));
    assertFalse(Files.exists(dir.resolve("nowhere")));
  }

  @Test
  void credentialHelperIsSetAndSupersedesAStoredAuth() throws Exception {
    DockerConfig.write(dir, List.of(refreshLogin(REGISTRY)));
    Files.writeString(
        dir.resolve("config.json"),
        Files.readString(dir.resolve("config.json")).replaceFirst("\\{", "{\"credHelpers\":{\"gcr.io\":\"gcloud\"},"));

    DockerConfig.useCredentialHelper(dir, "https://MyRegistry.azurecr.io/", "acr");

    JsonNode root = read(dir.resolve("config.json"));
    assertEquals("acr", root.at("/credHelpers/myregistry.azurecr.io").asText());
    assertEquals("gcloud", root.at("/credHelpers/gcr.io").asText());
    assertFalse(root.get("auths").has("myregistry.azurecr.io"));
  }

  @Test
  void credentialHelperNameMustBeASuffix() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class,
            () -> DockerConfig.useCredentialHelper(dir, "myregistry", "docker-credential-acr"));
    assertTrue(e.getMessage().contains("e.g. acr"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DockerConfig.useCredentialHelper(dir, "myregistry", "../x"));
  }

  @Test
  void secretAppearsOnlyInsideTheAuthField() throws Exception {
    DockerConfig.write(dir, List.of(refreshLogin(REGISTRY)));
    String text = Files.readString(dir.resolve("config.json"));
    assertFalse(text.contains(REFRESH_TOKEN), text);
    assertTrue(text.startsWith("{\n\t\"auths\": {"), text);
    assertTrue(text.endsWith("}\n"), text);
  }

  @Test
  void concurrentWritersInOneJvmLoseNoUpdate() throws Exception {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Registry r = Registry.parse("registry" + i + "x");
      Thread t = new Thread(() -> {
        try {
          DockerConfig.write(dir, List.of(refreshLogin(r)));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(8, names(read(dir.resolve("config.json")).get("auths")).size());
  }

  @Test
  void hostOfIgnoresSchemeCaseAndPath() {
    assertEquals("myregistry.azurecr.io", DockerConfig.hostOf("https://MyRegistry.azurecr.io/v2/"));
    assertEquals("127.0.0.1:5000", DockerConfig.hostOf("127.0.0.1:5000"));
    assertEquals("index.docker.io", DockerConfig.hostOf("https://index.docker.io/v1/"));
  }

  private static RegistryLogin refreshLogin(Registry registry) {
    return RegistryLogin.refreshToken(registry, Secret.of(REFRESH_TOKEN), Instant.parse("2030-01-01T00:00:00Z"));
  }

  private static JsonNode read(Path file) throws IOException {
    return JSON.readTree(file.toFile());
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }
}
