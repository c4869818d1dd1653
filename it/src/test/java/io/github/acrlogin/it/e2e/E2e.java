package io.github.acrlogin.it.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.JibEvent;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Skopeo;
import io.github.acrlogin.it.TestRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/** What every end-to-end test needs: shared-auth pointed at the bed, Jib Core pushes, skopeo checks. */
final class E2e {
  static final ObjectMapper JSON = new ObjectMapper();

  private E2e() {}

  /**
   * Jib Core's Apache HttpClient takes its TLS context from {@code SSLContext.getDefault()} (Apache's
   * {@code getSystemSocketFactory()}), once per containerization. The JDK computes its own default context once
   * per JVM from the {@code javax.net.ssl.trustStore} properties, but every test class has its own bed and CA
   * and surefire runs them in one JVM; so each class installs its bed's context as the default before its first
   * push. The properties are set too, for anything that builds a context from them.
   */
  static void trustBedForJib(AcrTestBed bed) {
    SSLContext.setDefault(bed.sslContext());
    System.setProperty("javax.net.ssl.trustStore", bed.trustStore().toString());
    System.setProperty("javax.net.ssl.trustStorePassword", bed.trustStorePassword());
    System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
  }

  /** A custom cloud whose Entra authority is the bed's emulator (the ACR audience stays the public one). */
  static AzureCloud cloud(AcrTestBed bed) {
    return AzureCloud.builder(AzureCloud.PUBLIC).name("TestBed").authorityHost(bed.authorityHost()).build();
  }

  /** shared-auth's view of a bed registry: {@code 127.0.0.1:<port>} in the test-bed cloud. */
  static Registry registry(AcrTestBed bed, TestRegistry registry) {
    return Registry.parse(registry.loginServer(), cloud(bed));
  }

  /**
   * An authenticator that trusts the bed's CA, reads an empty environment (nothing from the machine running
   * the tests leaks in) and reports every event to {@code watch}.
   */
  static AcrAuthenticator authenticator(AcrTestBed bed, SecretWatch watch) {
    return authenticator(bed, watch, environment(bed));
  }

  /**
   * The environment the tests give shared-auth: none at all. The custom cloud alone must route the Entra hop
   * to the emulator ({@link CustomCloudEndToEndTest}); nothing of the machine's environment may leak in.
   */
  static Map<String, String> environment(AcrTestBed bed) {
    return Map.of();
  }

  static AcrAuthenticator authenticator(AcrTestBed bed, SecretWatch watch, Map<String, String> environment) {
    return AcrAuthenticator.builder()
        .http(HttpSettings.builder().sslContext(bed.sslContext()).build())
        .environment(environment)
        .clientName("acr-login-it")
        .listener(watch::event)
        .build();
  }

  /** User and password as {@code docker login} (and skopeo's {@code --creds}) take them. */
  record Creds(String user, String password) {
    static Creds of(RegistryLogin login) {
      return new Creds(login.username(), login.password().reveal());
    }

    /** Jib's spelling: a refresh token is the password of the user {@code <token>}. */
    String jibUser() {
      return RegistryLogin.TOKEN_USERNAME.equals(user) ? "<token>" : user;
    }

    @Override
    public String toString() {
      return "Creds[" + user + ", ****]";
    }
  }

  /**
   * Pushes a small image built from scratch with Jib Core: {@code layers} layers, each one file holding
   * {@code bytesPerLayer} bytes (random, so nothing compresses away and no two pushes share a blob).
   */
  static JibContainer push(AcrTestBed bed, String image, Creds creds, int layers, int bytesPerLayer,
      Consumer<JibEvent> events) throws Exception {
    Path dir = Files.createTempDirectory(bed.workDir(), "jib-");
    Random random = new Random(image.hashCode() ^ System.nanoTime());
    JibContainerBuilder builder = Jib.fromScratch();
    for (int i = 0; i < layers; i++) {
      Path file = dir.resolve("layer-" + i + ".bin");
      byte[] data = new byte[bytesPerLayer];
      random.nextBytes(data);
      Files.write(file, data);
      builder.addFileEntriesLayer(FileEntriesLayer.builder().setName("layer-" + i)
          .addEntry(file, AbsoluteUnixPath.get("/app/layer-" + i + ".bin")).build());
    }
    builder.setEntrypoint("/app/run");
    Containerizer to = Containerizer.to(RegistryImage.named(image).addCredential(creds.jibUser(), creds.password()))
        .setBaseImageLayersCache(dir.resolve("base-cache"))
        .setApplicationLayersCache(dir.resolve("app-cache"))
        .setToolName("acr-login-it")
        .addEventHandler(JibEvent.class, events::accept);
    return builder.containerize(to);
  }

  static JibContainer push(AcrTestBed bed, String image, Creds creds) throws Exception {
    return push(bed, image, creds, 1, 1024, e -> { });
  }

  /** {@code skopeo inspect --creds} of {@code image}; fails the test (with secrets masked) if skopeo fails. */
  static String skopeoDigest(Skopeo skopeo, AcrTestBed bed, String image, Creds creds) throws Exception {
    Skopeo.Result r = skopeo.run("inspect", "--cert-dir", bed.certDir().toString(), "--creds",
        creds.user() + ":" + creds.password(), "docker://" + image);
    assertEquals(0, r.exit(), () -> "skopeo inspect " + image + " failed: " + masked(r.output(), creds.password()));
    return JSON.readTree(r.output()).get("Digest").asText();
  }

  /** Reads {@code auths.<loginServer>.auth} of a Docker config.json back into user and password. */
  static Creds fromDockerConfig(Path configJson, String loginServer) throws IOException {
    JsonNode auth = JSON.readTree(configJson.toFile()).path("auths").path(loginServer).path("auth");
    if (!auth.isTextual()) {
      throw new AssertionError("no auths." + loginServer + ".auth in " + configJson);
    }
    String decoded = new String(Base64.getDecoder().decode(auth.asText()), StandardCharsets.UTF_8);
    int colon = decoded.indexOf(':');
    return new Creds(decoded.substring(0, colon), decoded.substring(colon + 1));
  }

  static String masked(String text, String... secrets) {
    String out = text;
    for (String s : secrets) {
      if (s != null && !s.isEmpty()) {
        out = out.replace(s, "****");
      }
    }
    return out;
  }

  /** Lines of {@code text} that mention {@code needle}, for assertion messages. */
  static List<String> linesWith(String text, String needle) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.contains(needle)) {
        out.add(line);
      }
    }
    return out;
  }
}
