package io.github.acrlogin.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The demo: starts the test bed (a real docker-registry behind the Entra/ACR emulator), creates a registry and a
 * service principal with AcrPush, then runs a real {@code mvn compile acr:push acr:login} on the sample
 * application with that service principal (its secret in a throwaway settings.xml, as a CI job would have it),
 * prints the pushed image and digest, checks them with skopeo through the {@code config.json} that
 * {@code acr:login} wrote, and shuts everything down. Exits non-zero when anything fails or the digests differ.
 *
 * <p>Run from the repository root: {@code it/demo.sh}. Needs {@code mvn} on the PATH, {@code docker-registry}
 * and {@code skopeo} ({@code sudo apt-get install docker-registry skopeo}); contacts nothing but 127.0.0.1 (and
 * Maven's own repositories, to resolve the sample's build plugins).
 */
public final class Demo {
  private static final PrintStream OUT = System.out;

  private Demo() {}

  /** @param args the sample project's directory (default {@code it/src/test/projects/hello}) */
  public static void main(String[] args) throws Exception {
    Path sample = Path.of(args.length > 0 ? args[0] : "it/src/test/projects/hello");
    int code = run(sample);
    if (code != 0) {
      System.exit(code);
    }
  }

  static int run(Path sample) throws Exception {
    if (!Files.isRegularFile(sample.resolve("pom.xml"))) {
      OUT.println("== no sample project at " + sample.toAbsolutePath() + "; pass its directory as the argument");
      return 2;
    }
    try (AcrTestBed bed = AcrTestBed.start()) {
      TestRegistry registry = bed.addRegistry("demoregistry");
      ServicePrincipal sp = bed.addServicePrincipal();
      bed.grant(sp, registry, Role.ACR_PUSH);
      OUT.println("== test bed: registry " + registry.loginServer() + ", Entra/ACR emulator " + bed.authorityHost());
      OUT.println("== service principal " + sp.clientId() + " (tenant " + sp.tenantId() + ") has AcrPush");

      Path work = Files.createTempDirectory(bed.workDir(), "demo-");
      Path project = copy(sample, work.resolve("hello"));
      Path settings = work.resolve("settings.xml");
      // The secret lives only here, inside the bed's work directory, which close() deletes.
      Files.writeString(settings, "<settings><servers><server><id>" + registry.loginServer() + "</id><username>"
          + sp.clientId() + "</username><password>" + sp.requireSecret() + "</password></server></servers></settings>");
      Path dockerConfig = work.resolve("docker-config");

      List<String> mvn = List.of("mvn", "-B", "-ntp", "-s", settings.toString(), "-f",
          project.resolve("pom.xml").toString(), "compile", "acr:push", "acr:login",
          "-Dacr.plugin.version=" + pluginVersion(),
          "-Dacr.registry=" + registry.loginServer(), "-Dacr.repository=samples/hello", "-Dacr.tag=1.0",
          "-Dacr.auth.method=service-principal", "-Dacr.auth.tenantId=" + sp.tenantId(),
          "-Dacr.authorityHost=" + bed.authorityHost(), "-Dacr.dockerConfig=" + dockerConfig);
      OUT.println("== " + String.join(" ", mvn.subList(0, 9)) + " ... (acr.* settings on the command line)");
      ProcessBuilder pb = new ProcessBuilder(mvn).inheritIO();
      Map<String, String> env = pb.environment();
      env.keySet().removeIf(k -> k.startsWith("AZURE_") || k.startsWith("IDENTITY_") || k.equals("DOCKER_CONFIG"));
      env.put("MAVEN_OPTS", "-Djavax.net.ssl.trustStore=" + bed.trustStore()
          + " -Djavax.net.ssl.trustStorePassword=" + bed.trustStorePassword());
      Process build = pb.start();
      if (!build.waitFor(10, TimeUnit.MINUTES) || build.exitValue() != 0) {
        build.destroyForcibly();
        OUT.println("== mvn acr:push FAILED (see the build output above)");
        return 1;
      }

      JsonNode result = new ObjectMapper().readTree(project.resolve("target/acr-push.json").toFile());
      String image = result.get("image").asText();
      String digest = result.get("digest").asText();
      OUT.println("== pushed " + image);
      OUT.println("== digest " + digest);

      // skopeo, an independent client, with nothing of ours in the path: the config.json acr:login wrote.
      Skopeo.Result inspect = new Skopeo(work).run("inspect", "--cert-dir", bed.certDir().toString(),
          "--authfile", dockerConfig.resolve("config.json").toString(), "docker://" + image);
      String seen = inspect.exit() == 0
          ? new ObjectMapper().readTree(inspect.output()).get("Digest").asText()
          : "(skopeo failed with exit code " + inspect.exit() + ")";
      OUT.println("== skopeo inspect digest " + seen);
      boolean match = digest.equals(seen);
      OUT.println(match ? "== MATCH: skopeo sees the manifest acr:push pushed" : "== MISMATCH");
      OUT.println("== shutting down the test bed");
      return match ? 0 : 1;
    }
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path rel = from.relativize(f);
        if (rel.startsWith("target")) {
          continue;
        }
        Path dest = to.resolve(rel.toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(f, dest);
        }
      }
    }
    return to;
  }

  /** This module's version, which is the version of the plugin that the build installed. */
  private static String pluginVersion() throws IOException {
    Package p = Demo.class.getPackage();
    if (p != null && p.getImplementationVersion() != null) {
      return p.getImplementationVersion();
    }
    try (var in = Demo.class.getResourceAsStream(
        "/META-INF/maven/io.github.acrlogin/acr-login-it/pom.properties")) {
      if (in != null) {
        java.util.Properties props = new java.util.Properties();
        props.load(in);
        return props.getProperty("version");
      }
    }
    return System.getProperty("acr.plugin.version", "0.1.0-SNAPSHOT");
  }
}
