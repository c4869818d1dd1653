package io.github.acrlogin.it;

import java.nio.file.Path;

/**
 * A registry of the test bed: a real docker-registry process plus its ACR configuration in the
 * emulator. Immutable except for its authentication-as-arm policy, which ARM can change;
 * {@code toString()} hides the admin passwords.
 */
public final class TestRegistry {
  private final RegistryState state;
  private final RegistryServer server;

  TestRegistry(RegistryState state, RegistryServer server) {
    this.state = state;
    this.server = server;
  }

  /** The registry name, e.g. {@code myregistry}; also the admin user name. */
  public String name() {
    return state.name;
  }

  /** {@code 127.0.0.1:<port>}: the login server and the {@code service} of its token challenge. */
  public String loginServer() {
    return state.loginServer;
  }

  /** The ARM resource group (see {@link AcrTestBed#resourceId}). */
  public String resourceGroup() {
    return state.resourceGroup;
  }

  /** The current authentication-as-arm policy (it changes with the emulated ARM {@code PATCH}). */
  public boolean armPolicy() {
    return state.armPolicy;
  }

  public boolean adminUserEnabled() {
    return state.adminUser;
  }

  /** The admin user name (the registry name, as on ACR). */
  public String adminUsername() {
    return state.name;
  }

  /** The admin user's first password; fails when the admin user is disabled. */
  public String adminPassword() {
    requireAdmin();
    return state.adminPassword1;
  }

  /** The admin user's second password; fails when the admin user is disabled. */
  public String adminPassword2() {
    requireAdmin();
    return state.adminPassword2;
  }

  /** The registry process's log. */
  public Path logFile() {
    return server.logFile();
  }

  RegistryState state() {
    return state;
  }

  RegistryServer server() {
    return server;
  }

  private void requireAdmin() {
    if (!state.adminUser) {
      throw new IllegalStateException("the admin user of " + state.name + " is disabled; add the registry with "
          + "r -> r.adminUser(true)");
    }
  }

  @Override
  public String toString() {
    return "TestRegistry[" + state.name + " at " + state.loginServer + ", armPolicy=" + state.armPolicy
        + ", adminUser=" + state.adminUser + "]";
  }
}
