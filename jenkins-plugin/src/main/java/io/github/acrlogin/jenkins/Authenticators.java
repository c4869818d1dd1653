package io.github.acrlogin.jenkins;

import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.AuthenticationAsArmPolicy;
import io.github.acrlogin.auth.HttpSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The JVM-wide {@link AcrAuthenticator}s: one on the controller (process environment) and, on each JVM that
 * runs machine-identity logins (agents, or the controller acting as one), one per distinct Azure environment
 * (at most {@value #MAX_ENVIRONMENTS}, least recently used dropped first; found by non-secret settings only).
 * Sharing them is what makes the refresh-token cache effective: every job on the controller that uses the
 * same identity and registry gets the same cached token until it nears expiry.
 *
 * <p>All of them send {@code X-Meta-Source-Client: azure/jenkins} (client name {@code jenkins}) and log
 * shared-auth's events to {@code java.util.logging}; those events never contain secrets.
 */
final class Authenticators {

  private static final Logger LOGGER = Logger.getLogger(Authenticators.class.getName());
  private static final String CLIENT_NAME = "jenkins";

  private static volatile AcrAuthenticator controller;
  private static volatile AuthenticationAsArmPolicy controllerPolicy;
  /**
   * The variables that choose how an authenticator behaves (endpoints, default tenant and client, token file,
   * proxies): the key of {@link #BY_SETTINGS}. Secret-bearing ones (AZURE_CLIENT_SECRET, IDENTITY_HEADER,
   * MSI_SECRET, AZURE_CLIENT_CERTIFICATE_PASSWORD, ...) are passed to the authenticator but never part of a key.
   */
  private static final Set<String> SETTINGS = Set.of("AZURE_AUTHORITY_HOST", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
      "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
      "AZURE_POD_IDENTITY_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "IMDS_ENDPOINT", "MSI_ENDPOINT", "HTTPS_PROXY",
      "HTTP_PROXY", "NO_PROXY");
  /** Distinct agent environments kept per JVM; an agent normally has one or two. */
  private static final int MAX_ENVIRONMENTS = 16;
  // LRU by settings; guarded by itself.
  private static final Map<Map<String, String>, Shared> BY_SETTINGS =
      new LinkedHashMap<Map<String, String>, Shared>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Map<String, String>, Shared> eldest) {
          return size() > MAX_ENVIRONMENTS;
        }
      };

  /**
   * An authenticator and its authentication-as-arm clients, with a digest of every variable it was built from: a
   * changed secret under the same settings (a rotated client secret or identity header) builds a new one.
   */
  private static final class Shared {
    final String digest;
    final AcrAuthenticator authenticator;
    final Map<String, AuthenticationAsArmPolicy> policies = new ConcurrentHashMap<>();

    Shared(String digest, AcrAuthenticator authenticator) {
      this.digest = digest;
      this.authenticator = authenticator;
    }

    AuthenticationAsArmPolicy policy(String endpoint) {
      return policies.computeIfAbsent(String.valueOf(endpoint), k -> buildPolicy(authenticator, endpoint));
    }
  }

  // Test seam (same package only): trust the test bed's CA and point Entra at its emulator.
  private static volatile HttpSettings httpOverride;
  private static volatile Map<String, String> environmentOverride = Map.of();
  private static volatile String resourceManagerEndpointOverride;

  private Authenticators() {}

  /** For logins made on the controller: service principals, username/password, {@code getPassword()}. */
  static AcrAuthenticator controller() {
    AcrAuthenticator a = controller;
    if (a == null) {
      synchronized (Authenticators.class) {
        if (controller == null) {
          Map<String, String> env = new LinkedHashMap<>(System.getenv());
          env.putAll(environmentOverride);
          controller = build(env);
        }
        a = controller;
      }
    }
    return a;
  }

  /**
   * For logins made where the identity lives, with the Azure-related variables of that place's environment
   * (node environment plus whatever the Pipeline set with {@code withEnv}/{@code withCredentials}).
   */
  static AcrAuthenticator forEnvironment(Map<String, String> environment) {
    return shared(environment).authenticator;
  }

  /** The shared authenticator for these variables: found by their settings, rebuilt when any value changed. */
  private static Shared shared(Map<String, String> environment) {
    Map<String, String> variables = new TreeMap<>(azureVariables(environment));
    variables.putAll(environmentOverride);
    Map<String, String> key = settingsOf(variables);
    String digest = digest(variables);
    synchronized (BY_SETTINGS) {
      Shared s = BY_SETTINGS.get(key);
      if (s == null || !s.digest.equals(digest)) {
        s = new Shared(digest, build(variables));
        BY_SETTINGS.put(key, s);
      }
      return s;
    }
  }

  /** The non-secret settings among {@code variables} (names upper-cased; proxy URLs without user and password). */
  static Map<String, String> settingsOf(Map<String, String> variables) {
    Map<String, String> settings = new TreeMap<>();
    for (Map.Entry<String, String> e : variables.entrySet()) {
      String k = e.getKey().toUpperCase(Locale.ROOT);
      if (SETTINGS.contains(k) && e.getValue() != null) {
        settings.put(k, k.endsWith("_PROXY") ? e.getValue().replaceAll("//[^/@]*@", "//") : e.getValue());
      }
    }
    return settings;
  }

  /** SHA-256 of every name and value: compared in memory, so that the map holds no secret as a key. */
  private static String digest(Map<String, String> variables) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, String> e : new TreeMap<>(variables).entrySet()) {
        sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(String.valueOf(e.getValue()).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return Base64.getEncoder().encodeToString(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The variables that shared-auth (Azure Identity, proxies) reads; only these travel to agents, so that
   * unrelated build secrets in the environment never leave the controller.
   */
  static Map<String, String> azureVariables(Map<String, String> environment) {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : environment.entrySet()) {
      String k = e.getKey().toUpperCase(Locale.ROOT);
      if (k.startsWith("AZURE_") || k.startsWith("IDENTITY_") || k.startsWith("MSI_") || k.startsWith("IMDS_")
          || k.equals("HTTPS_PROXY") || k.equals("HTTP_PROXY") || k.equals("NO_PROXY")) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** The authentication-as-arm client for ARM calls made on the controller (secret-based identities). */
  static AuthenticationAsArmPolicy controllerPolicy() {
    AuthenticationAsArmPolicy p = controllerPolicy;
    if (p == null) {
      synchronized (Authenticators.class) {
        if (controllerPolicy == null) {
          controllerPolicy = buildPolicy(controller(), resourceManagerEndpointOverride);
        }
        p = controllerPolicy;
      }
    }
    return p;
  }

  /**
   * The authentication-as-arm client where a machine identity lives, per Azure environment (as
   * {@link #forEnvironment}).
   *
   * @param resourceManagerEndpoint where ARM requests go; null for the credential's cloud default
   */
  static AuthenticationAsArmPolicy policyForEnvironment(Map<String, String> environment,
      String resourceManagerEndpoint) {
    return shared(environment).policy(resourceManagerEndpoint);
  }

  /** The ARM endpoint override of the tests, or null; travels with agent calls. */
  static String resourceManagerEndpointOverride() {
    return resourceManagerEndpointOverride;
  }

  /** The policy client shares the authenticator's transport, Entra credentials and settings. */
  private static AuthenticationAsArmPolicy buildPolicy(AcrAuthenticator authenticator, String endpoint) {
    AuthenticationAsArmPolicy.Builder b = AuthenticationAsArmPolicy.builder(authenticator);
    if (endpoint != null) {
      b.resourceManagerEndpoint(endpoint);
    }
    return b.build();
  }

  private static AcrAuthenticator build(Map<String, String> environment) {
    AcrAuthenticator.Builder b = AcrAuthenticator.builder()
        .clientName(CLIENT_NAME)
        .environment(environment)
        .listener(Authenticators::log);
    HttpSettings http = httpOverride;
    if (http != null) {
      b.http(http);
    }
    return b.build();
  }

  private static void log(AuthEvent event) {
    Level level;
    switch (event.level()) {
      case ERROR:
        level = Level.SEVERE;
        break;
      case WARN:
        level = Level.WARNING;
        break;
      case INFO:
        level = Level.FINE;
        break;
      default:
        level = Level.FINER;
    }
    LOGGER.log(level, event.message());
  }

  /** Tests only: rebuild every authenticator with this transport and these extra environment variables. */
  static synchronized void overrideForTests(HttpSettings http, Map<String, String> environment) {
    httpOverride = http;
    environmentOverride = Map.copyOf(environment);
    controller = null;
    controllerPolicy = null;
    synchronized (BY_SETTINGS) {
      BY_SETTINGS.clear();
    }
  }

  /** Tests only: send Azure Resource Manager requests to {@code endpoint} (the test bed's emulator). */
  static synchronized void overrideResourceManagerEndpointForTests(String endpoint) {
    resourceManagerEndpointOverride = endpoint;
    controllerPolicy = null;
    synchronized (BY_SETTINGS) {
      BY_SETTINGS.values().forEach(s -> s.policies.clear());
    }
  }
}
