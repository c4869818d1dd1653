package io.github.acrlogin.maven;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AuthAsArmStatus;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Shows the registry's authentication-as-arm policy ({@code azureADAuthenticationAsArmPolicy}), and changes it
 * when {@code -Dacr.authAsArm=enabled|disabled} is given: what {@code az acr config authentication-as-arm show} and
 * {@code ... update --status} do, without the Azure CLI.
 *
 * <p>{@code enabled} (Azure's default) lets the registry accept Entra tokens issued for Azure Resource Manager as
 * well as for ACR; {@code disabled} (recommended) accepts only ACR-audience tokens. A change applies to new logins;
 * refresh tokens issued before it stay valid until they expire (about three hours).
 *
 * <p>This goal calls Azure Resource Manager with an ARM-audience token for the identity of {@code <auth>}: showing
 * needs {@code Microsoft.ContainerRegistry/registries/read} (e.g. Reader), changing needs {@code .../write} (e.g.
 * Contributor) on the registry.
 */
@Mojo(name = "auth-policy", threadSafe = true, requiresProject = false)
public class AuthPolicyMojo extends AbstractAuthPolicyMojo {

  /**
   * Sets the policy: {@code disabled} (recommended: only ACR-audience tokens) or {@code enabled} (ARM-audience tokens
   * too). Unset: the goal only shows the current status.
   */
  @Parameter(property = "acr.authAsArm")
  protected String authAsArm;

  @Inject
  public AuthPolicyMojo(SettingsDecrypter decrypter) {
    super(decrypter);
  }

  @Override
  protected String goal() {
    return "auth-policy";
  }

  @Override
  protected void run() throws ConfigurationProblem, AcrAuthException {
    Optional<AuthAsArmStatus> wanted = AuthPolicyConfig.status(authAsArm, "authAsArm", "acr.authAsArm");
    Target t = target();
    if (wanted.isEmpty()) {
      AuthAsArmStatus status = t.show();
      getLog().info("Authentication-as-arm of " + t.registry.loginServer() + ": " + status
          + (status.acceptsArmTokens()
              ? " (ARM-audience and ACR-audience tokens accepted; recommended: disabled, with -Dacr.authAsArm=disabled)"
              : " (only ACR-audience tokens accepted)"));
      return;
    }
    AuthAsArmStatus after = t.update(wanted.get());
    getLog().info("Authentication-as-arm of " + t.registry.loginServer() + ": " + after);
  }
}
