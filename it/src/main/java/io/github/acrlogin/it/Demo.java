package io.github.acrlogin.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.net.ssl.SSLContext;

/**
 * The demo: starts the test bed (a real docker-registry behind the Entra/ACR emulator), creates a registry and
 * a service principal with AcrPush, logs in with shared-auth, pushes a sample application (a jar on a
 * {@code scratch} base) with Jib Core, prints the image reference and digest, checks the digest with skopeo,
 * and shuts everything down. Exits non-zero when skopeo sees another digest or anything fails.
 *
 * <p>Run from the repository root: {@code it/demo.sh}. Needs {@code docker-registry} and {@code skopeo}
 * ({@code sudo apt-get install docker-registry skopeo}); contacts nothing but 127.0.0.1.
 */
public final class Demo {
  private static final PrintStream OUT = System.out;

  private Demo() {}

  public static void main(String[] args) throws Exception {
    int code = run();
    if (code != 0) {
      System.exit(code);
    }
  }

  static int run() throws Exception {
    try (AcrTestBed bed = AcrTestBed.start()) {
      TestRegistry testRegistry = bed.addRegistry("demoregistry");
      ServicePrincipal sp = bed.addServicePrincipal();
      bed.grant(sp, testRegistry, Role.ACR_PUSH);
      OUT.println("== test bed: registry " + testRegistry.loginServer() + ", Entra/ACR emulator "
          + bed.authorityHost());
      OUT.println("== service principal " + sp.clientId() + " (tenant " + sp.tenantId() + ") has AcrPush");

      // shared-auth: service principal -> Entra token -> ACR refresh token.
      AzureCloud cloud = AzureCloud.builder(AzureCloud.PUBLIC).name("TestBed").authorityHost(bed.authorityHost())
          .build();
      Registry registry = Registry.parse(testRegistry.loginServer(), cloud);
      AcrAuthenticator acr = AcrAuthenticator.builder()
          .http(HttpSettings.builder().sslContext(bed.sslContext()).build())
          .environment(Map.of()) // the custom cloud says where Entra is; nothing from this machine's environment
          .clientName("acr-login-demo")
          .listener(e -> OUT.println("   [acr-login] " + e))
          .build();
      RegistryLogin login;
      try {
        login = acr.login(registry,
            CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(sp.requireSecret())));
      } catch (AcrAuthException e) {
        OUT.println("== login FAILED: " + e.getMessage());
        return 2;
      }
      OUT.println("== logged in: user " + login.username() + ", ACR refresh token until "
          + login.expiresAt().map(Object::toString).orElse("?"));

      // Jib Core: a jar layer on scratch; the refresh token is a Jib "<token>" credential.
      Path work = Files.createTempDirectory(bed.workDir(), "demo-");
      Path jar = sampleJar(work.resolve("hello.jar"));
      String image = testRegistry.loginServer() + "/samples/hello:1.0";
      SSLContext.setDefault(bed.sslContext()); // Jib's HTTP client trusts the JVM default context
      JibContainer pushed = Jib.fromScratch()
          .addFileEntriesLayer(FileEntriesLayer.builder().setName("app")
              .addEntry(jar, AbsoluteUnixPath.get("/app/hello.jar")).build())
          .setEntrypoint("java", "-jar", "/app/hello.jar")
          .containerize(Containerizer.to(RegistryImage.named(image)
                  .addCredential(login.isRefreshToken() ? "<token>" : login.username(), login.password().reveal()))
              .setBaseImageLayersCache(work.resolve("jib-base-cache"))
              .setApplicationLayersCache(work.resolve("jib-app-cache"))
              .setToolName("acr-login-demo"));
      String digest = pushed.getDigest().toString();
      OUT.println("== pushed " + image);
      OUT.println("== digest " + digest);

      // skopeo, an independent client, with the same credentials (null-GUID user + refresh token).
      String seen = skopeoDigest(bed, work, image, login.username(), login.password().reveal());
      OUT.println("== skopeo inspect digest " + seen);
      boolean match = digest.equals(seen);
      OUT.println(match ? "== MATCH: skopeo sees the manifest Jib pushed" : "== MISMATCH");
      OUT.println("== shutting down the test bed");
      return match ? 0 : 1;
    }
  }

  /** A runnable jar holding {@link DemoApp}. */
  private static Path sampleJar(Path jar) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, DemoApp.class.getName());
    String entry = DemoApp.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest);
        InputStream clazz = Demo.class.getClassLoader().getResourceAsStream(entry)) {
      if (clazz == null) {
        throw new IOException("cannot find " + entry + " on the classpath");
      }
      JarEntry e = new JarEntry(entry);
      e.setTime(0);
      out.putNextEntry(e);
      clazz.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }

  /** {@code skopeo inspect}, isolated from the user's auth files and policy; returns the manifest digest. */
  private static String skopeoDigest(AcrTestBed bed, Path work, String image, String user, String password)
      throws IOException, InterruptedException {
    Path home = Files.createDirectories(work.resolve("skopeo-home"));
    Path policy = home.resolve("policy.json");
    Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    List<String> command = new ArrayList<>(List.of("skopeo", "--policy", policy.toString(), "inspect",
        "--cert-dir", bed.certDir().toString(), "--creds", user + ":" + password, "docker://" + image));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("HOME", home.toString());
    pb.environment().put("REGISTRY_AUTH_FILE", home.resolve("auth.json").toString());
    pb.environment().put("XDG_RUNTIME_DIR", home.toString());
    Path out = home.resolve("inspect.json");
    Process p;
    try {
      p = pb.redirectOutput(out.toFile()).start();
    } catch (IOException e) {
      throw new IOException("skopeo is not installed: sudo apt-get install skopeo", e);
    }
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("skopeo inspect did not finish in 90 s");
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      return "(skopeo failed: " + output.replace(password, "****").strip() + ")";
    }
    return new ObjectMapper().readTree(output).get("Digest").asText();
  }
}
