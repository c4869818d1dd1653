package io.github.acrlogin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** skopeo 1.9, an independent client, pushes to and inspects the test bed as it would ACR. */
class SkopeoAgainstTestBedTest {
  static AcrTestBed bed;
  static TestRegistry registry;
  static Skopeo skopeo;
  static Wire wire;

  @BeforeAll
  static void start() throws Exception {
    bed = AcrTestBed.start();
    registry = bed.addRegistry("skopeoreg", r -> r.adminUser(true));
    skopeo = new Skopeo(bed.workDir());
    wire = new Wire(bed);
  }

  @AfterAll
  static void stop() {
    bed.close();
  }

  private static String why(Skopeo.Result r, String... secrets) {
    String out = r.output();
    for (String s : secrets) {
      out = out.replace(s, "***");
    }
    return "skopeo exited " + r.exit() + ":\n" + out;
  }

  @Test
  void adminUserCopiesAndInspectsWithBasicOnTheGetRealm() throws Exception {
    TinyImage image = TinyImage.write(bed.workDir().resolve("image-admin"), "admin");
    String creds = registry.adminUsername() + ":" + registry.adminPassword();
    String ref = "docker://" + registry.loginServer() + "/samples/admin:1.0";
    bed.counters().reset();
    Skopeo.Result copy = skopeo.run("--debug", "copy", "--preserve-digests", "--dest-cert-dir", bed.certDir().toString(),
        "--dest-creds", creds, "dir:" + image.dir(), ref);
    assertEquals(0, copy.exit(), why(copy, registry.adminPassword()));
    assertTrue(copy.output().contains("GET " + bed.emulator().realm() + "?"), "skopeo asks the realm with GET");
    assertTrue(bed.counters().count(Endpoint.ACR_TOKEN, registry.adminUsername()) > 0);
    assertEquals(0, bed.counters().count(Endpoint.ACR_EXCHANGE));

    Skopeo.Result inspect = skopeo.run("inspect", "--cert-dir", bed.certDir().toString(), "--creds", creds, ref);
    assertEquals(0, inspect.exit(), why(inspect, registry.adminPassword()));
    JsonNode json = Wire.JSON.readTree(inspect.output());
    assertEquals(image.manifestDigest(), json.get("Digest").asText());
  }

  @Test
  void nullGuidUserWithAcrRefreshTokenPushesAndInspects() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, registry, Role.ACR_PUSH);
    String refresh = wire.refreshToken(bed, registry, sp);
    TinyImage image = TinyImage.write(bed.workDir().resolve("image-sp"), "service principal");
    String creds = "00000000-0000-0000-0000-000000000000:" + refresh;
    String ref = "docker://" + registry.loginServer() + "/samples/sp:1.0";
    bed.counters().reset();
    Skopeo.Result copy = skopeo.run("--debug", "copy", "--preserve-digests", "--dest-cert-dir", bed.certDir().toString(),
        "--dest-creds", creds, "dir:" + image.dir(), ref);
    assertEquals(0, copy.exit(), why(copy, refresh));
    // skopeo sends user:password as Basic on GET <realm>; it never POSTs the refresh token itself.
    assertTrue(copy.output().contains("GET " + bed.emulator().realm() + "?"));
    assertFalse(copy.output().contains("POST " + bed.emulator().realm()));
    assertTrue(bed.counters().count(Endpoint.ACR_TOKEN, sp.clientId()) > 0);

    Skopeo.Result inspect = skopeo.run("inspect", "--cert-dir", bed.certDir().toString(), "--creds", creds, ref);
    assertEquals(0, inspect.exit(), why(inspect, refresh));
    assertEquals(image.manifestDigest(), Wire.JSON.readTree(inspect.output()).get("Digest").asText());
  }

  @Test
  void pullOnlyIdentityCannotPushWithSkopeo() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, registry, Role.ACR_PULL);
    String refresh = wire.refreshToken(bed, registry, sp);
    TinyImage image = TinyImage.write(bed.workDir().resolve("image-pull"), "pull only");
    Skopeo.Result copy = skopeo.run("copy", "--dest-cert-dir", bed.certDir().toString(), "--dest-creds",
        "00000000-0000-0000-0000-000000000000:" + refresh, "dir:" + image.dir(),
        "docker://" + registry.loginServer() + "/samples/denied:1.0");
    assertTrue(copy.exit() != 0, "the push must fail");
    assertTrue(copy.output().toLowerCase().contains("unauthorized") || copy.output().contains("denied"),
        why(copy, refresh));
  }

  @Test
  void wrongAdminPasswordFails() throws Exception {
    Skopeo.Result inspect = skopeo.run("inspect", "--cert-dir", bed.certDir().toString(), "--creds",
        registry.adminUsername() + ":wrong", "docker://" + registry.loginServer() + "/samples/admin:1.0");
    assertTrue(inspect.exit() != 0);
    assertTrue(inspect.output().contains("401") || inspect.output().toLowerCase().contains("unauthorized"),
        why(inspect));
  }

}
