package io.github.acrlogin.it;

import java.util.regex.Pattern;

/**
 * How a registry is configured when added to the test bed. Defaults follow a new ACR registry:
 * authentication-as-ARM enabled, admin user disabled.
 */
public final class RegistrySpec {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9]{5,50}");

  private final String name;
  private boolean armPolicy = true;
  private boolean adminUser;

  RegistrySpec(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("registry name '" + name + "' is not valid: ACR names are 5 to 50 letters "
          + "and digits, e.g. myregistry");
    }
    this.name = name.toLowerCase();
  }

  /** {@code azureADAuthenticationAsArmPolicy}: whether ARM-audience Entra tokens are accepted. */
  public RegistrySpec armPolicy(boolean enabled) {
    this.armPolicy = enabled;
    return this;
  }

  /** Whether the admin user (user name = registry name, two passwords) is enabled. */
  public RegistrySpec adminUser(boolean enabled) {
    this.adminUser = enabled;
    return this;
  }

  String name() {
    return name;
  }

  boolean armPolicy() {
    return armPolicy;
  }

  boolean adminUser() {
    return adminUser;
  }
}
