package io.github.acrlogin.maven;

import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.AuthenticationAsArmPolicy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.maven.plugin.logging.Log;

/**
 * One {@link AcrAuthenticator} per Maven JVM and settings, so that a reactor pushing several images (in the same or
 * parallel modules) does one token exchange per registry and identity: Maven keeps one plugin class realm per build,
 * and this holder lives in it.
 *
 * <p>The authenticator's events go to the log of the mojo that is running on the calling thread (a thread-local
 * set around each goal, and by each background login on its own thread), so with {@code -T} every line lands under
 * its own module; an event on a thread that attached no log is dropped rather than sent to another module's log.
 */
final class Authenticators {

  private static final Map<Map<String, String>, AcrAuthenticator> BY_ENVIRONMENT = new ConcurrentHashMap<>();
  private static final Map<PolicyKey, AuthenticationAsArmPolicy> POLICIES = new ConcurrentHashMap<>();
  private static final ThreadLocal<Log> CURRENT = new ThreadLocal<>();

  /** What a shared authentication-as-arm client depends on. */
  private record PolicyKey(Map<String, String> environment, String apiVersion, String endpoint) {}

  private Authenticators() {}

  /** The shared authenticator for this environment (the only setting the goals vary). */
  static AcrAuthenticator get(Map<String, String> environment) {
    // Keyed by an immutable copy (equal maps, equal keys; no hash collisions between different environments).
    Map<String, String> key = Map.copyOf(environment);
    return BY_ENVIRONMENT.computeIfAbsent(key, k -> AcrAuthenticator.builder()
        .clientName("maven")
        .environment(k)
        .listener(Authenticators::log)
        .build());
  }

  /**
   * The shared authentication-as-arm client for this environment, api-version and ARM endpoint (null: the cloud's).
   *
   * @throws IllegalArgumentException from shared-auth's validation of the api-version or endpoint (nothing cached)
   */
  static AuthenticationAsArmPolicy policy(Map<String, String> environment, String apiVersion, String endpoint) {
    PolicyKey key = new PolicyKey(Map.copyOf(environment), apiVersion, endpoint);
    return POLICIES.computeIfAbsent(key, k -> AuthenticationAsArmPolicy.builder(get(k.environment()))
        .apiVersion(k.apiVersion())
        .resourceManagerEndpoint(k.endpoint())
        .build());
  }

  /**
   * Azure Identity, MSAL and azure-core log through SLF4J, which in Maven prints at the build's level: their
   * ERROR lines would repeat, less clearly, what our one-line failure says. Silence them unless the user chose a
   * level ({@code -Dorg.slf4j.simpleLogger.log.com.azure=debug}); Maven's SLF4J provider reads these properties when
   * each logger is created, so this must run before the SDK's classes are loaded.
   */
  static void quietAzureSdkLogging() {
    for (String logger : new String[] {"com.azure", "com.microsoft.aad.msal4j"}) {
      String key = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(key) == null) {
        System.setProperty(key, "off");
      }
    }
  }

  /** Routes events on this thread to {@code log} until {@link #detach()}. */
  static void attach(Log log) {
    CURRENT.set(log);
  }

  static void detach() {
    CURRENT.remove();
  }

  /** Maps shared-auth's (secret-free) events onto Maven's log levels. */
  static void log(AuthEvent event) {
    Log log = CURRENT.get();
    if (log == null) {
      return;
    }
    switch (event.level()) {
      case ERROR:
        log.error(event.message());
        break;
      case WARN:
        log.warn(event.message());
        break;
      case INFO:
        log.info(event.message());
        break;
      default:
        log.debug(event.message());
    }
  }
}
