package io.github.acrlogin.it.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.JibContainer;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.DockerConfig;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.Skopeo;
import io.github.acrlogin.it.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A Docker {@code config.json} written by shared-auth is all skopeo needs: {@code skopeo inspect --authfile}
 * with no {@code --creds} and no code of ours in the path reads images from two registries, one logged in
 * with a service principal (null-GUID user and ACR refresh token) and one with the admin user.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerConfigWithSkopeoEndToEndTest {
  static AcrTestBed bed;
  static SecretWatch watch = new SecretWatch();
  static Skopeo skopeo;

  @BeforeAll
  static void start() throws Exception {
    bed = AcrTestBed.start();
    E2e.trustBedForJib(bed);
    skopeo = new Skopeo(bed.workDir());
  }

  @AfterAll
  static void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  @Order(1)
  void configJsonWrittenByDockerConfigLetsSkopeoInspectBothRegistriesWithoutCreds() throws Exception {
    TestRegistry spRegistry = bed.addRegistry("configsp");
    TestRegistry adminRegistry = bed.addRegistry("configadmin", r -> r.adminUser(true));
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, spRegistry, Role.ACR_PUSH);
    watch.secret(sp.requireSecret(), adminRegistry.adminPassword(), adminRegistry.adminPassword2());
    AcrAuthenticator acr = E2e.authenticator(bed, watch);
    RegistryLogin spLogin = acr.login(E2e.registry(bed, spRegistry),
        CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(sp.requireSecret())));
    RegistryLogin adminLogin = acr.login(E2e.registry(bed, adminRegistry),
        CredentialSource.adminUser(adminRegistry.adminUsername(), Secret.of(adminRegistry.adminPassword())));
    watch.secret(spLogin.password().reveal());

    String spImage = spRegistry.loginServer() + "/config/app:1.0";
    String adminImage = adminRegistry.loginServer() + "/config/app:2.0";
    JibContainer spPushed = E2e.push(bed, spImage, E2e.Creds.of(spLogin));
    JibContainer adminPushed = E2e.push(bed, adminImage, E2e.Creds.of(adminLogin));

    Path dockerConfig = Files.createTempDirectory(bed.workDir(), "docker-config-");
    Path file = DockerConfig.write(dockerConfig, List.of(spLogin, adminLogin));
    assertEquals(dockerConfig.resolve("config.json"), file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

    assertEquals(spPushed.getDigest().toString(), inspectWithAuthFile(file, spImage),
        "the null-GUID user and refresh token from config.json work for skopeo");
    assertEquals(adminPushed.getDigest().toString(), inspectWithAuthFile(file, adminImage),
        "the admin user from config.json works for skopeo");
  }

  private static String inspectWithAuthFile(Path authFile, String image) throws Exception {
    Skopeo.Result r = skopeo.run("inspect", "--authfile", authFile.toString(), "--cert-dir",
        bed.certDir().toString(), "docker://" + image);
    assertEquals(0, r.exit(), () -> "skopeo inspect --authfile failed: " + r.output());
    watch.text(r.output());
    return E2e.JSON.readTree(r.output()).get("Digest").asText();
  }

  @Test
  @Order(2)
  void configJsonWithoutALoginForTheRegistryIsRefusedBySkopeo() throws Exception {
    TestRegistry other = bed.addRegistry("confignone");
    Path dockerConfig = Files.createTempDirectory(bed.workDir(), "docker-config-empty-");
    Files.writeString(dockerConfig.resolve("config.json"), "{\"auths\":{}}");
    Skopeo.Result r = skopeo.run("inspect", "--authfile", dockerConfig.resolve("config.json").toString(),
        "--cert-dir", bed.certDir().toString(), "docker://" + other.loginServer() + "/config/app:1.0");
    assertTrue(r.exit() != 0, "without credentials the registry refuses");
    assertTrue(r.output().toLowerCase().contains("unauthorized") || r.output().contains("401"), r.output());
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noAuthEventOrSkopeoOutputContainsASecretOrToken() {
    watch.assertNoSecretLeaked();
  }
}
