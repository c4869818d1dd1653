package io.github.acrlogin.it.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.JibContainer;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Endpoint;
import io.github.acrlogin.it.ManagedIdentity;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.Skopeo;
import io.github.acrlogin.it.TestRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Managed identity end to end. Azure Identity (MSAL4J) reads {@code IDENTITY_ENDPOINT}/{@code IDENTITY_HEADER}
 * from the real process environment, so shared-auth logs in inside a child JVM ({@link ManagedIdentityLogin})
 * started with those variables pointing at the bed; it writes a Docker config.json, from which this JVM takes
 * the login for a Jib Core push and a skopeo inspect.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManagedIdentityEndToEndTest {
  static AcrTestBed bed;
  static TestRegistry testRegistry;
  static SecretWatch watch = new SecretWatch();
  static Skopeo skopeo;

  @BeforeAll
  static void start() throws Exception {
    bed = AcrTestBed.start();
    E2e.trustBedForJib(bed);
    testRegistry = bed.addRegistry("managedid");
    skopeo = new Skopeo(bed.workDir());
    watch.secret(bed.identityHeader());
  }

  @AfterAll
  static void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  record ChildLogin(int exit, String output, Path configDir) {}

  /** Runs {@link ManagedIdentityLogin} in a child JVM with the bed's managed-identity environment. */
  static ChildLogin loginInChildJvm(String... identity) throws Exception {
    Path configDir = Files.createTempDirectory(bed.workDir(), "docker-config-");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djavax.net.ssl.trustStore=" + bed.trustStore(),
        "-Djavax.net.ssl.trustStorePassword=" + bed.trustStorePassword(),
        "-Djavax.net.ssl.trustStoreType=PKCS12",
        "-cp", System.getProperty("java.class.path"),
        ManagedIdentityLogin.class.getName(),
        testRegistry.loginServer(), bed.authorityHost(), configDir.toString()));
    command.addAll(List.of(identity));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("AZURE_") || k.startsWith("IDENTITY_")
        || k.startsWith("MSI_") || k.equals("IMDS_ENDPOINT") || k.toLowerCase().endsWith("_proxy"));
    pb.environment().put("IDENTITY_ENDPOINT", bed.identityEndpoint());
    pb.environment().put("IDENTITY_HEADER", bed.identityHeader());
    Path out = Files.createTempFile(bed.workDir(), "mi-login-", ".txt");
    Process p = pb.redirectOutput(out.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the managed-identity login did not finish in 90 s");
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    watch.text(output);
    return new ChildLogin(p.exitValue(), output, configDir);
  }

  private static void pushWithLoginFromChild(ManagedIdentity identity, String repository, String... how)
      throws Exception {
    bed.grant(identity, testRegistry, Role.ACR_PUSH);
    ChildLogin child = loginInChildJvm(how);
    assertEquals(0, child.exit(), () -> "child login failed:\n" + child.output());
    assertTrue(child.output().contains("LOGIN 00000000-0000-0000-0000-000000000000 refreshToken=true"),
        child.output());
    assertTrue(bed.counters().count(Endpoint.MANAGED_IDENTITY) >= 1, "the managed-identity endpoint was asked");
    assertTrue(bed.counters().count(Endpoint.ACR_EXCHANGE, identity.clientId()) >= 1,
        () -> "the managed identity's token was exchanged: " + bed.counters());

    E2e.Creds creds = E2e.fromDockerConfig(child.configDir().resolve("config.json"), testRegistry.loginServer());
    watch.secret(creds.password());
    String image = testRegistry.loginServer() + "/" + repository + ":1.0";
    JibContainer pushed = E2e.push(bed, image, creds);
    assertEquals(pushed.getDigest().toString(), E2e.skopeoDigest(skopeo, bed, image, creds));
  }

  @Test
  @Order(1)
  void systemAssignedManagedIdentityPushesWithJibAndSkopeoSeesTheSameDigest() throws Exception {
    pushWithLoginFromChild(bed.systemAssignedIdentity(), "mi/system", "system");
  }

  @Test
  @Order(2)
  void userAssignedManagedIdentityByClientIdPushesWithJibAndSkopeoSeesTheSameDigest() throws Exception {
    ManagedIdentity mi = bed.addManagedIdentity("builder-identity");
    pushWithLoginFromChild(mi, "mi/user-client-id", "client_id", mi.clientId());
  }

  @Test
  @Order(3)
  void userAssignedManagedIdentityByResourceIdPushesWithJibAndSkopeoSeesTheSameDigest() throws Exception {
    ManagedIdentity mi = bed.addManagedIdentity("deployer-identity");
    pushWithLoginFromChild(mi, "mi/user-resource-id", "resource_id", mi.resourceId().orElseThrow());
  }

  @Test
  @Order(4)
  void managedIdentityWithoutAnyRoleCannotGetAPushTokenAndIsToldWhichRoleToAssign() throws Exception {
    ManagedIdentity mi = bed.addManagedIdentity("no-role-identity");
    // The exchange works (it needs no role); the token request is refused, and only a push would find out.
    ChildLogin child = loginInChildJvm("object_id", mi.objectId());
    assertEquals(0, child.exit(), () -> "child login failed:\n" + child.output());
    E2e.Creds creds = E2e.fromDockerConfig(child.configDir().resolve("config.json"), testRegistry.loginServer());
    watch.secret(creds.password());
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> E2e.push(bed, testRegistry.loginServer() + "/mi/denied:1.0", creds));
    watch.thrown(e);
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noChildOutputContainsASecretOrToken() {
    watch.assertNoSecretLeaked();
  }
}
