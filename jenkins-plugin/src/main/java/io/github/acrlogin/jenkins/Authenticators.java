package io.github.acrlogin.jenkins;

import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.AuthenticationAsArmPolicy;
import io.github.acrlogin.auth.HttpSettings;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The JVM-wide {@link AcrAuthenticator}s: one on the controller (process environment) and, on each JVM that
 * runs machine-identity logins (agents, or the controller acting as one), one per distinct Azure environment.
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
  private static final Map<Map<String, String>, AuthenticationAsArmPolicy> POLICY_BY_ENVIRONMENT =
      new ConcurrentHashMap<>();
  private static final Map<Map<String, String>, AcrAuthenticator> BY_ENVIRONMENT = new ConcurrentHashMap<>();

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
    Map<String, String> key = new TreeMap<>(azureVariables(environment));
    key.putAll(environmentOverride);
    return BY_ENVIRONMENT.computeIfAbsent(key, Authenticators::build);
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
    Map<String, String> key = new TreeMap<>(azureVariables(environment));
    key.putAll(environmentOverride);
    Map<String, String> cacheKey = new TreeMap<>(key);
    cacheKey.put("\0endpoint", String.valueOf(resourceManagerEndpoint));
    return POLICY_BY_ENVIRONMENT.computeIfAbsent(cacheKey,
        k -> buildPolicy(BY_ENVIRONMENT.computeIfAbsent(key, Authenticators::build), resourceManagerEndpoint));
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
    BY_ENVIRONMENT.clear();
    controllerPolicy = null;
    POLICY_BY_ENVIRONMENT.clear();
  }

  /** Tests only: send Azure Resource Manager requests to {@code endpoint} (the test bed's emulator). */
  static synchronized void overrideResourceManagerEndpointForTests(String endpoint) {
    resourceManagerEndpointOverride = endpoint;
    controllerPolicy = null;
    POLICY_BY_ENVIRONMENT.clear();
  }
}
