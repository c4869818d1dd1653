package io.github.acrlogin.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.acrlogin.auth.internal.Jwt;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * {@code docker-credential-acr}: the <a href="https://github.com/docker/docker-credential-helpers">Docker
 * credential-helper protocol</a> over stdin/stdout, minting a fresh ACR refresh token on every {@code get}.
 *
 * <p>Configure it with {@code "credHelpers": {"myregistry.azurecr.io": "acr"}} (see
 * {@link DockerConfig#useCredentialHelper}) and put a {@code docker-credential-acr} launcher that runs
 * {@link #main} on the {@code PATH}. The identity comes from the environment: {@code ACR_AUTH_METHOD} is
 * {@code default} (Azure Identity's default chain; also when unset), {@code managed-identity} (user-assigned
 * when {@code AZURE_CLIENT_ID} is set), {@code workload-identity}, {@code environment} or {@code cli}.
 *
 * <p>Verbs:
 *
 * <ul>
 *   <li>{@code get} reads a server URL and prints {@code {"ServerURL","Username","Secret"}}. Credentials saved
 *       by {@code store} for that host win (an expired ACR token among them is skipped); otherwise the helper
 *       logs in and answers the user {@code <token>} with the refresh token as secret. {@code <token>} is the
 *       protocol's marker for "the secret is an identity (refresh) token": the Docker CLI turns it into an
 *       {@code IdentityToken}, containers/image (podman, skopeo, buildah) likewise, and Jib into
 *       {@code Credential.isOAuth2RefreshToken()}; all three then use the OAuth2 refresh-token grant
 *       ({@code POST /oauth2/token} with {@code grant_type=refresh_token}), which is exactly ACR's third step.
 *       For a username/password login (admin user, repository token) the real user name is returned. A server
 *       that is not an Azure container registry gets the conventional not-found answer, so the caller goes on
 *       anonymously.
 *   <li>{@code store} reads {@code {"ServerURL","Username","Secret"}} and keeps it, so that {@code docker login}
 *       with this helper configured works: in {@value #STATE_FILE} (mode 0600) in the state directory
 *       ({@code $ACR_CREDENTIAL_HELPER_DIR}, else {@code $DOCKER_CONFIG}, else {@code ~/.docker}), where
 *       {@code docker login} would otherwise have written it into {@code config.json}.
 *   <li>{@code erase} reads a server URL and forgets what was stored or minted for it (succeeding when there
 *       was nothing).
 *   <li>{@code list} prints {@code {"<server URL>":"<user>"}} for stored credentials and minted registries.
 *   <li>{@code version} prints the version.
 * </ul>
 *
 * <p>As the protocol wants, errors go to stdout as one line of plain text with exit code 1; an
 * {@link AcrAuthException} prints its message (what failed, why, what to do), never a stack trace and never a
 * secret. Minted tokens are never written to disk; only the names of the registries they were minted for.
 */
public final class DockerCredentialHelper {

  /** Mints a login for a registry; {@link #main} wires it to {@link AcrAuthenticator}. */
  @FunctionalInterface
  public interface LoginFunction {
    RegistryLogin login(Registry registry) throws AcrAuthException;
  }

  /** The user name that marks the secret as an identity (refresh) token in the helper protocol. */
  public static final String TOKEN_USERNAME = "<token>";
  /** The conventional "not found" message, which Docker treats as "no credentials" rather than a failure. */
  public static final String NOT_FOUND = "credentials not found in native keychain";
  /** The helper's state file inside its state directory. */
  public static final String STATE_FILE = "acr-credential-helper.json";
  /** How the helper names itself in telemetry and messages. */
  public static final String CLIENT_NAME = "docker-credential-acr";

  private static final String LOCK_FILE = "acr-credential-helper.lock";
  private static final int MAX_INPUT = 64 * 1024;
  // A stored ACR token closer than this to its expiry is not handed out; a fresh one is minted instead.
  private static final Duration STORED_TOKEN_MARGIN = Duration.ofMinutes(5);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ReentrantLock IN_PROCESS = new ReentrantLock();

  private final LoginFunction login;
  private final Path stateDirectory;
  private final Clock clock;

  /** A helper that keeps its state in {@code stateDirectory} (created 0700 when first written). */
  public DockerCredentialHelper(LoginFunction login, Path stateDirectory) {
    this(login, stateDirectory, Clock.systemUTC());
  }

  /** As above, with a clock for judging the expiry of stored tokens. */
  public DockerCredentialHelper(LoginFunction login, Path stateDirectory, Clock clock) {
    this.login = Objects.requireNonNull(login, "login");
    this.stateDirectory = Objects.requireNonNull(stateDirectory, "stateDirectory");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Entry point of {@code docker-credential-acr}: one verb as argument, exit code 0 or 1. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    if (args.length != 1) {
      out.println("Usage: " + CLIENT_NAME + " <store|get|erase|list|version>");
      System.exit(1);
    }
    // The one place that reads the process environment; everything below takes it as a map.
    Map<String, String> env = System.getenv();
    Consumer<AuthEvent> events =
        e -> {
          if (e.level() == AuthEvent.Level.ERROR || e.level() == AuthEvent.Level.WARN) {
            err.println(CLIENT_NAME + ": " + e);
          }
        };
    DockerCredentialHelper helper =
        new DockerCredentialHelper(
            fromEnvironment(env, events), stateDirectory(env, System.getProperty("user.home")));
    int code = helper.run(args[0], System.in, out, err);
    out.flush();
    System.exit(code);
  }

  /**
   * Runs one verb of the protocol.
   *
   * @param in the verb's input (a server URL, or the credentials to store)
   * @param out the answer, or the one-line error
   * @param err warnings that are not part of the protocol (never secrets)
   * @return the exit code: 0, or 1 after printing an error to {@code out}
   */
  public int run(String verb, InputStream in, PrintStream out, PrintStream err) {
    try {
      switch (verb == null ? "" : verb) {
        case "get":
          return get(readInput(in), out, err);
        case "store":
          return store(readInput(in), out);
        case "erase":
          return erase(readInput(in), out);
        case "list":
          return list(out);
        case "version":
          out.println(CLIENT_NAME + " " + version());
          return 0;
        default:
          return fail(
              out, "Unknown verb '" + verb + "'. Usage: " + CLIENT_NAME + " <store|get|erase|list|version>");
      }
    } catch (AcrAuthException e) {
      return fail(out, e.getMessage());
    } catch (IOException | RuntimeException e) {
      // Third-party text may carry anything; pass it through redaction and keep it on one line.
      return fail(out, CLIENT_NAME + " " + verb + " failed: " + Redaction.redact(String.valueOf(e.getMessage())));
    }
  }

  // ------------------------------------------------------------------ verbs

  private int get(String serverUrl, PrintStream out, PrintStream err) throws AcrAuthException {
    if (serverUrl.isEmpty()) {
      return fail(out, "no credentials server URL");
    }
    String host = DockerConfig.hostOf(serverUrl);
    ObjectNode state;
    try {
      state = readState();
    } catch (IOException e) {
      err.println(CLIENT_NAME + ": ignoring stored credentials: " + e.getMessage());
      state = JSON.createObjectNode();
    }
    JsonNode stored = section(state, "credentials").get(host);
    if (stored != null && usable(stored)) {
      return answer(out, serverUrl, stored.path("Username").asText(), stored.path("Secret").asText());
    }
    Registry registry;
    try {
      registry = Registry.parse(serverUrl);
    } catch (IllegalArgumentException notARegistry) {
      return fail(out, NOT_FOUND);
    }
    RegistryLogin minted;
    try {
      minted = login.login(registry);
    } catch (AcrAuthException e) {
      if (e.reason() == Reason.NOT_ACR) {
        return fail(out, NOT_FOUND); // e.g. credsStore=acr asked about Docker Hub
      }
      throw e;
    }
    try {
      recordMinted(host, serverUrl);
    } catch (IOException e) {
      err.println(CLIENT_NAME + ": could not record " + host + " for 'list': " + e.getMessage());
    }
    String user = minted.isRefreshToken() ? TOKEN_USERNAME : minted.username();
    return answer(out, serverUrl, user, minted.password().reveal());
  }

  private int store(String input, PrintStream out) throws IOException {
    JsonNode creds;
    try {
      creds = JSON.readTree(input);
    } catch (JsonProcessingException e) {
      creds = null; // Jackson would quote the input, which holds the secret
    }
    if (creds == null || !creds.isObject()) {
      return fail(out, "the credentials to store are not a JSON object {\"ServerURL\",\"Username\",\"Secret\"}");
    }
    String url = creds.path("ServerURL").asText("").trim();
    String user = creds.path("Username").asText("");
    String secret = creds.path("Secret").asText("");
    if (url.isEmpty()) {
      return fail(out, "no credentials server URL");
    }
    if (user.isEmpty()) {
      return fail(out, "no credentials username");
    }
    if (secret.isEmpty()) {
      return fail(out, "no credentials secret");
    }
    String host = DockerConfig.hostOf(url);
    editState(state -> {
      ObjectNode entry = JSON.createObjectNode();
      entry.put("ServerURL", url);
      entry.put("Username", user);
      entry.put("Secret", secret);
      section(state, "credentials").set(host, entry);
      return true;
    });
    return 0;
  }

  private int erase(String serverUrl, PrintStream out) throws IOException {
    if (serverUrl.isEmpty()) {
      return fail(out, "no credentials server URL");
    }
    String host = DockerConfig.hostOf(serverUrl);
    editState(state -> {
      boolean stored = section(state, "credentials").remove(host) != null;
      boolean minted = section(state, "minted").remove(host) != null;
      return stored || minted;
    });
    return 0;
  }

  private int list(PrintStream out) throws IOException {
    ObjectNode state = readState();
    ObjectNode result = JSON.createObjectNode();
    for (Map.Entry<String, JsonNode> e : section(state, "minted").properties()) {
      result.put(e.getValue().asText(e.getKey()), TOKEN_USERNAME);
    }
    for (Map.Entry<String, JsonNode> e : section(state, "credentials").properties()) {
      result.put(e.getValue().path("ServerURL").asText(), e.getValue().path("Username").asText());
    }
    out.println(JSON.writeValueAsString(result));
    return 0;
  }

  // ------------------------------------------------------------------ wiring from the environment

  /**
   * A login function over {@link AcrAuthenticator} with the credential source {@link #credentialSource}
   * chooses. Nothing is built until the first {@code get}, so {@code list} and {@code erase} work without
   * any Azure configuration.
   */
  static LoginFunction fromEnvironment(Map<String, String> env, Consumer<AuthEvent> events) {
    return registry -> {
      CredentialSource source;
      try {
        source = credentialSource(env);
      } catch (IllegalArgumentException e) {
        throw AcrAuthException.because(Reason.CONFIGURATION)
            .operation(CLIENT_NAME)
            .registry(registry.loginServer())
            .detail(e.getMessage())
            .failed();
      }
      if (!isAcrLoginServer(registry, env)) {
        // Docker may ask a global credsStore about any registry: never send an Azure identity's token to one
        // that is not ACR. The caller answers "not found" and Docker goes on anonymously.
        throw AcrAuthException.because(Reason.NOT_ACR).operation(CLIENT_NAME).registry(registry.loginServer())
            .detail("not an Azure container registry login server (add custom domains to ACR_LOGIN_SERVERS)")
            .failed();
      }
      AcrAuthenticator authenticator =
          AcrAuthenticator.builder().environment(env).clientName(CLIENT_NAME).listener(events).build();
      return authenticator.login(registry, source);
    };
  }

  /**
   * True for login servers of the known clouds ({@code *.azurecr.io}, {@code .cn}, {@code .us}), loopback test
   * registries, and the custom-domain login servers listed (comma-separated) in {@code ACR_LOGIN_SERVERS}.
   */
  static boolean isAcrLoginServer(Registry registry, Map<String, String> env) {
    String loginServer = registry.loginServer();
    String host = loginServer.contains(":") ? loginServer.substring(0, loginServer.lastIndexOf(':')) : loginServer;
    if (registry.isLoopback()
        || AzureCloud.knownClouds().stream().anyMatch(c -> host.endsWith(c.loginServerSuffix()))) {
      return true;
    }
    return Arrays.stream(env.getOrDefault("ACR_LOGIN_SERVERS", "").split(","))
        .map(String::trim)
        .anyMatch(s -> !s.isEmpty() && s.toLowerCase(Locale.ROOT).equals(loginServer));
  }

  /**
   * The credential source {@code ACR_AUTH_METHOD} names.
   *
   * @throws IllegalArgumentException for an unknown method, listing the valid ones
   */
  static CredentialSource credentialSource(Map<String, String> env) {
    String method = Optional.ofNullable(env.get("ACR_AUTH_METHOD")).map(String::trim).orElse("");
    switch (method.toLowerCase(Locale.ROOT)) {
      case "":
      case "default":
        return CredentialSource.defaultChain();
      case "managed-identity":
        String clientId = env.get("AZURE_CLIENT_ID");
        return clientId == null || clientId.isBlank()
            ? CredentialSource.managedIdentity()
            : CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.CLIENT_ID, clientId);
      case "workload-identity":
        return CredentialSource.workloadIdentityFromEnvironment();
      case "environment":
        return CredentialSource.environment();
      case "cli":
        return CredentialSource.azureCli();
      default:
        throw new IllegalArgumentException(
            "ACR_AUTH_METHOD '" + method + "' is unknown; use default, managed-identity, workload-identity,"
                + " environment or cli");
    }
  }

  /** {@code $ACR_CREDENTIAL_HELPER_DIR}, else {@code $DOCKER_CONFIG}, else {@code <home>/.docker}. */
  static Path stateDirectory(Map<String, String> env, String userHome) {
    for (String name : new String[] {"ACR_CREDENTIAL_HELPER_DIR", "DOCKER_CONFIG"}) {
      String dir = env.get(name);
      if (dir != null && !dir.isBlank()) {
        return Paths.get(dir.trim());
      }
    }
    return Paths.get(userHome, ".docker");
  }

  // ------------------------------------------------------------------ helpers

  /** Stored credentials are used unless they are an ACR token about to expire (then a fresh one is better). */
  private boolean usable(JsonNode stored) {
    String user = stored.path("Username").asText("");
    String secret = stored.path("Secret").asText("");
    if (user.isEmpty() || secret.isEmpty()) {
      return false;
    }
    if (!user.equals(TOKEN_USERNAME) && !user.equals(RegistryLogin.TOKEN_USERNAME)) {
      return true;
    }
    try {
      Optional<Instant> exp = Jwt.decode(secret).expiresAt();
      return exp.isEmpty() || clock.instant().plus(STORED_TOKEN_MARGIN).isBefore(exp.get());
    } catch (IllegalArgumentException notAJwt) {
      return true;
    }
  }

  private static int answer(PrintStream out, String serverUrl, String username, String secret) {
    ObjectNode answer = JSON.createObjectNode();
    answer.put("ServerURL", serverUrl);
    answer.put("Username", username);
    answer.put("Secret", secret);
    try {
      out.println(JSON.writeValueAsString(answer));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the answer"); // not reachable for plain strings
    }
    out.flush();
    return 0;
  }

  private static int fail(PrintStream out, String message) {
    out.println(message.replace('\n', ' ').replace('\r', ' '));
    out.flush();
    return 1;
  }

  private static String readInput(InputStream in) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    byte[] chunk = new byte[4096];
    for (int n; (n = in.read(chunk)) > 0; ) {
      buffer.write(chunk, 0, n);
      if (buffer.size() > MAX_INPUT) {
        throw new IOException("the input is larger than " + MAX_INPUT + " bytes");
      }
    }
    return buffer.toString(StandardCharsets.UTF_8).trim();
  }

  private static ObjectNode section(ObjectNode state, String name) {
    JsonNode node = state.get(name);
    if (node instanceof ObjectNode) {
      return (ObjectNode) node;
    }
    ObjectNode created = JSON.createObjectNode();
    state.set(name, created);
    return created;
  }

  private ObjectNode readState() throws IOException {
    return DockerConfig.readObject(stateDirectory.resolve(STATE_FILE));
  }

  /** Records a minted registry for {@code list}, writing only when it is new. */
  private void recordMinted(String host, String serverUrl) throws IOException {
    if (section(readState(), "minted").has(host)) {
      return;
    }
    editState(state -> {
      if (section(state, "minted").has(host)) {
        return false;
      }
      section(state, "minted").put(host, serverUrl);
      return true;
    });
  }

  /**
   * Read-modify-write of the state file under a lock: Docker runs helpers concurrently (parallel pulls), and
   * a lost update would drop stored credentials.
   */
  private void editState(DockerConfig.Edit edit) throws IOException {
    DockerConfig.createPrivateDirectory(stateDirectory);
    Path file = stateDirectory.resolve(STATE_FILE);
    IN_PROCESS.lock();
    try (FileChannel channel =
        FileChannel.open(stateDirectory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock = channel.lock();
      try {
        ObjectNode state = DockerConfig.readObject(file);
        if (edit.apply(state)) {
          DockerConfig.writeAtomically(file, DockerConfig.toBytes(state));
        }
      } finally {
        lock.release();
      }
    } finally {
      IN_PROCESS.unlock();
    }
  }

  private static String version() {
    String v = DockerCredentialHelper.class.getPackage().getImplementationVersion();
    return v != null ? v : "(development build)";
  }
}
