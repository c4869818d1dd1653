package io.github.acrlogin.maven;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AuthAsArmStatus;
import javax.inject.Inject;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * A gate: fails the build when the registry's authentication-as-arm policy is not the expected one (by default,
 * when the registry accepts ARM-audience Entra tokens). Reads the policy from Azure Resource Manager as
 * {@code acr:auth-policy} does, so the identity of {@code <auth>} needs
 * {@code Microsoft.ContainerRegistry/registries/read} (e.g. Reader) on the registry.
 */
@Mojo(name = "verify-auth-policy", threadSafe = true, requiresProject = false,
    defaultPhase = LifecyclePhase.VALIDATE)
public class VerifyAuthPolicyMojo extends AbstractAuthPolicyMojo {

  /**
   * The status the registry must have: {@code disabled} (default and recommended: only ACR-audience tokens) or
   * {@code enabled}.
   */
  @Parameter(property = "acr.expectAuthAsArm", defaultValue = "disabled")
  protected String expectAuthAsArm;

  @Inject
  public VerifyAuthPolicyMojo(SettingsDecrypter decrypter) {
    super(decrypter);
  }

  @Override
  protected String goal() {
    return "verify-auth-policy";
  }

  @Override
  protected void run() throws ConfigurationProblem, AcrAuthException, MojoFailureException {
    AuthAsArmStatus expected = AuthPolicyConfig.status(expectAuthAsArm, "expectAuthAsArm", "acr.expectAuthAsArm")
        .orElse(AuthAsArmStatus.DISABLED);
    Target t = target();
    AuthAsArmStatus actual = t.show();
    if (actual != expected) {
      throw new MojoFailureException(mismatch(t.registry.loginServer(),
          t.registry.isLoopback() ? t.registry.loginServer() : t.registry.name(), actual, expected));
    }
    getLog().info("Authentication-as-arm of " + t.registry.loginServer() + " is " + actual + ", as expected");
  }

  static String mismatch(String loginServer, String name, AuthAsArmStatus actual, AuthAsArmStatus expected) {
    return "Registry " + loginServer + " has authentication-as-arm " + actual + " but " + expected + " is expected"
        + " (<expectAuthAsArm>, acr.expectAuthAsArm): it "
        + (actual.acceptsArmTokens() ? "accepts ARM-audience Entra tokens as well as ACR-audience ones"
            : "refuses ARM-audience Entra tokens")
        + ". Fix: " + AuthPolicyConfig.fix(name, expected);
  }
}
