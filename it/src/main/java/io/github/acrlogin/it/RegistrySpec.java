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
  private String resourceGroup = DEFAULT_RESOURCE_GROUP;

  /** The resource group of registries added without {@link #resourceGroup(String)}. */
  public static final String DEFAULT_RESOURCE_GROUP = "acr-login-it";

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

  /** The ARM resource group the registry belongs to (default {@value #DEFAULT_RESOURCE_GROUP}). */
  public RegistrySpec resourceGroup(String resourceGroup) {
    if (resourceGroup == null || !resourceGroup.matches("[-\\w._()]{1,90}") || resourceGroup.endsWith(".")) {
      throw new IllegalArgumentException("resource group '" + resourceGroup + "' is not valid: 1 to 90 letters,"
          + " digits, '-', '_', '.', '(' or ')', not ending in '.'");
    }
    this.resourceGroup = resourceGroup;
    return this;
  }

  String resourceGroup() {
    return resourceGroup;
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
