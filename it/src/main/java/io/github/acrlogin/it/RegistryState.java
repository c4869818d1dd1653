package io.github.acrlogin.it;

import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One registry as ACR's token service sees it: policy, admin user, role assignments, tokens. */
final class RegistryState {
  final String name;
  final String loginServer;
  /**
   * {@code azureADAuthenticationAsArmPolicy}: read by the token service on every exchange, written by the
   * emulated ARM {@code PATCH} (and {@link AcrTestBed#setArmPolicy}), so a change applies to the next exchange.
   */
  volatile boolean armPolicy;
  /** The ARM resource group holding the registry (its resource id is built from it). */
  final String resourceGroup;
  final boolean adminUser;
  final String adminPassword1;
  final String adminPassword2;
  private final Map<String, Set<Role>> roles = new ConcurrentHashMap<>();
  private final Map<String, RepositoryToken> tokens = new ConcurrentHashMap<>();

  RegistryState(String name, String loginServer, String resourceGroup, boolean armPolicy, boolean adminUser,
      String adminPassword1, String adminPassword2) {
    this.name = name;
    this.loginServer = loginServer.toLowerCase();
    this.resourceGroup = resourceGroup;
    this.armPolicy = armPolicy;
    this.adminUser = adminUser;
    this.adminPassword1 = adminPassword1;
    this.adminPassword2 = adminPassword2;
  }

  void grant(String objectId, Role role) {
    roles.computeIfAbsent(objectId, k -> ConcurrentHashMap.newKeySet()).add(role);
  }

  void revoke(String objectId, Role role) {
    Set<Role> set = roles.get(objectId);
    if (set != null) {
      set.remove(role);
    }
  }

  Set<Role> roles(String objectId) {
    Set<Role> set = objectId == null ? null : roles.get(objectId);
    return set == null || set.isEmpty() ? Set.of() : EnumSet.copyOf(set);
  }

  void addToken(RepositoryToken token) {
    if (tokens.putIfAbsent(token.name(), token) != null) {
      throw new IllegalStateException("token " + token.name() + " exists already on " + loginServer);
    }
  }

  Optional<RepositoryToken> token(String name) {
    return Optional.ofNullable(tokens.get(name));
  }
}
