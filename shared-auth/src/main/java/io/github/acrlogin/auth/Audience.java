package io.github.acrlogin.auth;

/**
 * Which Entra audience the first hop asks for.
 *
 * <p>{@link #ACR} is the default and the only one a registry accepts once its
 * {@code azureADAuthenticationAsArmPolicy} is {@code disabled}. {@link #ARM} exists for registries that
 * still accept Azure Resource Manager tokens, and for the management plane.
 */
public enum Audience {
  /** {@code https://containerregistry.azure.net/.default}: works whatever the registry's policy. */
  ACR,
  /** {@code https://management.azure.com/.default}: rejected by registries with authentication-as-arm disabled. */
  ARM
}
