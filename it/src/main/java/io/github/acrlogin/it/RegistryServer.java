package io.github.acrlogin.it;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The real Docker Registry 2.0 server (Debian's {@code docker-registry}, CNCF distribution 2.8) as a
 * child process on 127.0.0.1: TLS from the test CA, filesystem storage in a temp dir, and token
 * authentication against the emulator. The binary comes from the system property
 * {@value #BINARY_PROPERTY} or from {@code PATH}; when missing, starting fails with the install command.
 */
public final class RegistryServer implements AutoCloseable {
  /** System property naming the registry binary, when it is not {@code docker-registry} on PATH. */
  public static final String BINARY_PROPERTY = "acr.it.registryBinary";
  /** How to get the binary on Debian. */
  public static final String INSTALL_COMMAND = "apt-get install -y docker-registry";
  private static final Duration STARTUP = Duration.ofSeconds(20);

  private final Process process;
  private final String loginServer;
  private final Path logFile;
  private final Thread reaper;

  private RegistryServer(Process process, String loginServer, Path logFile) {
    this.process = process;
    this.loginServer = loginServer;
    this.logFile = logFile;
    // A child left running would hold its port and temp dir after a killed test JVM.
    this.reaper = new Thread(process::destroyForcibly, "docker-registry-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /**
   * Starts a registry in {@code dir} whose tokens come from {@code emulator}; waits until {@code /v2/}
   * answers (401, the token challenge).
   */
  public static RegistryServer start(TestCa ca, AzureEmulator emulator, Path dir) {
    Path binary = binary();
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        RegistryServer server = tryStart(binary, ca, emulator, Files.createDirectories(dir), freePort());
        if (server != null) {
          return server;
        }
      } catch (IOException e) {
        last = e;
      }
    }
    throw new IllegalStateException("docker-registry did not start; see the logs under " + dir, last);
  }

  private static RegistryServer tryStart(Path binary, TestCa ca, AzureEmulator emulator, Path dir, int port)
      throws IOException {
    String loginServer = "127.0.0.1:" + port;
    Path storage = Files.createDirectories(dir.resolve("storage"));
    Path config = dir.resolve("config-" + port + ".yml");
    Files.writeString(config, config(ca, emulator, loginServer, storage), StandardCharsets.UTF_8);
    Path log = dir.resolve("registry-" + port + ".log");
    Process process = new ProcessBuilder(binary.toString(), "serve", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    RegistryServer server = new RegistryServer(process, loginServer, log);
    if (server.awaitChallenge(ca)) {
      return server;
    }
    server.close();
    return null;
  }

  private static String config(TestCa ca, AzureEmulator emulator, String loginServer, Path storage) {
    String secret = Randomness.hex(16);
    return String.join("\n",
        "version: 0.1",
        "log:",
        "  level: info",
        "storage:",
        "  filesystem:",
        "    rootdirectory: " + quoted(storage),
        "  delete:",
        "    enabled: true",
        "http:",
        "  addr: " + loginServer,
        // A fixed upload secret: otherwise the registry warns and generates one per start.
        "  secret: " + secret,
        "  tls:",
        "    certificate: " + quoted(ca.serverCertPem()),
        "    key: " + quoted(ca.serverKeyPem()),
        "auth:",
        "  token:",
        "    realm: " + emulator.realm(),
        "    service: " + loginServer,
        "    issuer: \"" + AzureEmulator.ACR_ISSUER + "\"",
        "    rootcertbundle: " + quoted(emulator.acrTokenCertificateBundle()),
        "");
  }

  private static String quoted(Path p) {
    return "\"" + p.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private boolean awaitChallenge(TestCa ca) {
    HttpClient client = HttpClient.newBuilder().sslContext(ca.sslContext()).connectTimeout(Duration.ofSeconds(2)).build();
    Instant deadline = Instant.now().plus(STARTUP);
    while (Instant.now().isBefore(deadline) && process.isAlive()) {
      try {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create("https://" + loginServer + "/v2/"))
            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 401) {
          return true;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      sleep(50);
    }
    return false;
  }

  static Path binary() {
    String configured = System.getProperty(BINARY_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      if (Files.isExecutable(p)) {
        return p;
      }
      throw new IllegalStateException("-D" + BINARY_PROPERTY + "=" + configured + " is not an executable file; "
          + "install the registry with `" + INSTALL_COMMAND + "` or fix the path");
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : List.of(path.split(File.pathSeparator))) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "docker-registry");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("docker-registry (Docker Registry 2.0, CNCF distribution 2.8) is not on PATH. "
        + "Install it with `" + INSTALL_COMMAND + "` (Debian/Ubuntu, as root), or point -D" + BINARY_PROPERTY
        + " at a registry binary.");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, TestCa.loopback())) {
      return s.getLocalPort();
    }
  }

  /** {@code 127.0.0.1:<port>}: the login server, and the {@code service} of its token challenge. */
  public String loginServer() {
    return loginServer;
  }

  /** The registry's own log (stdout and stderr). */
  public Path logFile() {
    return logFile;
  }

  /** Stops the registry (SIGTERM, then SIGKILL after five seconds). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // already shutting down: the hook is running or has run
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
