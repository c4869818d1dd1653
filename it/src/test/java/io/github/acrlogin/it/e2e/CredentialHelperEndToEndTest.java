package io.github.acrlogin.it.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.DockerConfig;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Endpoint;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.Skopeo;
import io.github.acrlogin.it.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged {@code docker-credential-acr} jar as an independent client uses it: skopeo, configured with
 * {@code "credHelpers": {"<registry>": "acr"}}, runs {@code docker-credential-acr get} for each operation; the
 * helper mints a fresh ACR refresh token for the identity in its environment, and skopeo reads the image. No
 * token is ever written to the config.
 */
class CredentialHelperEndToEndTest {
  static AcrTestBed bed;
  static SecretWatch watch = new SecretWatch();
  static Path jar = Path.of("target/credential-helper/docker-credential-acr.jar").toAbsolutePath();

  @BeforeAll
  static void start() throws Exception {
    assertTrue(Files.isRegularFile(jar), "the build copies the packaged helper to " + jar);
    bed = AcrTestBed.start();
    E2e.trustBedForJib(bed);
  }

  @AfterAll
  static void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void skopeoReadsAnImageThroughTheCredentialHelperWhichMintsARefreshTokenAndWritesNone() throws Exception {
    TestRegistry testRegistry = bed.addRegistry("helperreg");
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, testRegistry, Role.ACR_PULL);
    bed.grant(sp, testRegistry, Role.ACR_PUSH);
    watch.secret(sp.requireSecret());
    String image = testRegistry.loginServer() + "/helper/hello:1.0";
    String digest = E2e.push(bed, image, E2e.Creds.of(E2e.authenticator(bed, watch).login(
        E2e.registry(bed, testRegistry),
        CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(sp.requireSecret())))))
        .getDigest().toString();

    // The helper on the PATH, as the README describes: a two-line script around the packaged jar.
    Path bin = Files.createDirectories(bed.workDir().resolve("helper-bin"));
    Path script = bin.resolve("docker-credential-acr");
    Files.writeString(script, "#!/bin/sh\nexec java -jar '" + jar + "' \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path configDir = bed.workDir().resolve("helper-config");
    Path config = DockerConfig.useCredentialHelper(configDir, testRegistry.loginServer(), "acr");

    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("ACR_AUTH_METHOD", "environment");
    env.put("AZURE_TENANT_ID", sp.tenantId());
    env.put("AZURE_CLIENT_ID", sp.clientId());
    env.put("AZURE_CLIENT_SECRET", sp.requireSecret());
    env.put("AZURE_AUTHORITY_HOST", bed.authorityHost());
    env.put("ACR_CREDENTIAL_HELPER_DIR", bed.workDir().resolve("helper-state").toString());
    env.put("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=" + bed.trustStore()
        + " -Djavax.net.ssl.trustStorePassword=" + bed.trustStorePassword());
    bed.counters().reset();

    Skopeo.Result inspect = new Skopeo(bed.workDir()).run(env, "inspect", "--cert-dir", bed.certDir().toString(),
        "--authfile", config.toString(), "docker://" + image);

    assertEquals(0, inspect.exit(), () -> "skopeo through the helper: " + E2e.masked(inspect.output(),
        sp.requireSecret()));
    // skopeo passes the helper's stderr through (the JVM's "Picked up JAVA_TOOL_OPTIONS" line): JSON follows.
    String json = inspect.output().substring(inspect.output().indexOf('{'));
    assertEquals(digest, E2e.JSON.readTree(json).get("Digest").asText());
    assertTrue(bed.counters().count(Endpoint.ACR_EXCHANGE, sp.clientId()) >= 1,
        "the helper minted a refresh token: " + bed.counters());
    String written = Files.readString(config);
    assertTrue(written.contains("\"credHelpers\""), written);
    assertFalse(written.contains("\"auth\""), "no credentials written to the config: " + written);
    assertNotEquals(-1, written.indexOf("\"acr\""));
    watch.text(inspect.output());
    watch.assertNoSecretLeaked();
  }
}
