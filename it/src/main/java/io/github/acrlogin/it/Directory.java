package io.github.acrlogin.it;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the emulated Entra tenant(s) and registries know: apps and their credentials, managed identities,
 * registries and their role assignments. Thread-safe; package-private (tests go through {@link AcrTestBed}).
 */
final class Directory {
  final Set<String> tenants = ConcurrentHashMap.newKeySet();
  private final Map<String, App> apps = new ConcurrentHashMap<>();
  private final Map<String, ManagedIdentity> userAssigned = new ConcurrentHashMap<>();
  private volatile ManagedIdentity systemAssigned;
  private final Map<String, RegistryState> registries = new ConcurrentHashMap<>();
  /** The one emulated Azure subscription; every registry lives in it. */
  final String subscriptionId = newId();

  static String newId() {
    return UUID.randomUUID().toString();
  }

  App addApp(String tenantId) {
    tenants.add(tenantId);
    App app = new App(tenantId, newId(), newId());
    apps.put(app.clientId, app);
    return app;
  }

  /** The app with {@code clientId} registered in {@code tenantId}, if any. */
  Optional<App> app(String tenantId, String clientId) {
    App app = clientId == null ? null : apps.get(clientId);
    return app != null && app.tenantId.equals(tenantId) ? Optional.of(app) : Optional.empty();
  }

  ManagedIdentity systemAssigned(String tenantId) {
    synchronized (this) {
      if (systemAssigned == null) {
        systemAssigned = new ManagedIdentity(tenantId, newId(), newId(), Optional.empty());
      }
      return systemAssigned;
    }
  }

  Optional<ManagedIdentity> systemAssigned() {
    return Optional.ofNullable(systemAssigned);
  }

  ManagedIdentity addUserAssigned(String tenantId, String name) {
    String resourceId = "/subscriptions/" + UUID.nameUUIDFromBytes(tenantId.getBytes(StandardCharsets.UTF_8))
        + "/resourcegroups/acr-login-it/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + name;
    ManagedIdentity mi = new ManagedIdentity(tenantId, newId(), newId(), Optional.of(resourceId));
    userAssigned.put(mi.clientId(), mi);
    return mi;
  }

  Optional<ManagedIdentity> userAssignedBy(String clientId, String objectId, String resourceId) {
    return userAssigned.values().stream()
        .filter(mi -> clientId == null || mi.clientId().equalsIgnoreCase(clientId))
        .filter(mi -> objectId == null || mi.objectId().equalsIgnoreCase(objectId))
        // ARM resource ids are case-insensitive.
        .filter(mi -> resourceId == null || mi.resourceId().orElseThrow().equalsIgnoreCase(resourceId))
        .findFirst();
  }

  void addRegistry(RegistryState registry) {
    registries.put(registry.loginServer, registry);
  }

  Optional<RegistryState> registry(String loginServer) {
    return loginServer == null ? Optional.empty() : Optional.ofNullable(registries.get(loginServer.toLowerCase()));
  }

  /** Every registry, in no particular order. */
  java.util.Collection<RegistryState> registries() {
    return List.copyOf(registries.values());
  }

  /** Compares secrets without leaking their length or content through timing. */
  static boolean same(String a, String b) {
    return a != null && b != null
        && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** An app registration (and its service principal, whose object id is {@code objectId}). */
  static final class App {
    final String tenantId;
    final String clientId;
    final String objectId;
    final List<Secret> secrets = new CopyOnWriteArrayList<>();
    final List<SigningKey> certificates = new CopyOnWriteArrayList<>();
    final List<FederatedCredential> federated = new CopyOnWriteArrayList<>();

    App(String tenantId, String clientId, String objectId) {
      this.tenantId = tenantId;
      this.clientId = clientId;
      this.objectId = objectId;
    }
  }

  record Secret(String value, Instant expires) {
    @Override
    public String toString() {
      return "Secret[expires=" + expires + "]";
    }
  }

  record FederatedCredential(String issuer, String subject, String audience) {}
}
