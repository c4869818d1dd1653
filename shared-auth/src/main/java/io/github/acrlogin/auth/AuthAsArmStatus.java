package io.github.acrlogin.auth;

import java.util.Locale;

/**
 * A registry's {@code azureADAuthenticationAsArmPolicy} status: whether its token service accepts Microsoft
 * Entra tokens issued for Azure Resource Manager as well as those issued for ACR.
 *
 * <p>{@link #ENABLED} is Azure's default for new registries; {@link #DISABLED} is the recommended setting
 * (only ACR-audience tokens, least privilege). See {@link AuthenticationAsArmPolicy}.
 */
public enum AuthAsArmStatus {
  /** ARM-audience and ACR-audience tokens are accepted (the default). */
  ENABLED("enabled"),
  /** Only ACR-audience tokens are accepted (recommended); ARM ones get "arm aad token disallowed". */
  DISABLED("disabled");

  private final String value;

  AuthAsArmStatus(String value) {
    this.value = value;
  }

  /** The value on the wire and in the Azure CLI: {@code enabled} or {@code disabled}. */
  public String value() {
    return value;
  }

  /** Whether the registry accepts ARM-audience tokens. */
  public boolean acceptsArmTokens() {
    return this == ENABLED;
  }

  /**
   * Parses {@code enabled} or {@code disabled}, ignoring case and surrounding blanks.
   *
   * @throws IllegalArgumentException for anything else, naming the accepted values
   */
  public static AuthAsArmStatus parse(String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    for (AuthAsArmStatus s : values()) {
      if (s.value.equals(v)) {
        return s;
      }
    }
    throw new IllegalArgumentException("Unknown authentication-as-arm status '" + (value == null ? "" : value.trim())
        + "': " + Reason.UNKNOWN_POLICY_STATUS.remedy());
  }

  @Override
  public String toString() {
    return value;
  }
}
