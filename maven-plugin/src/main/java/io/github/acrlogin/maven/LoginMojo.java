package io.github.acrlogin.maven;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.DockerConfig;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import javax.inject.Inject;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Logs in to the registry and writes the login to a Docker {@code config.json}, so that later steps can
 * {@code docker push}, {@code helm push}, {@code podman push} or {@code skopeo copy} without a login of their own.
 * Entra identities are written as the null-GUID user with an ACR refresh token (valid about 3 hours), as
 * {@code az acr login} does. The file is mode 0600 and keeps the user's other settings.
 */
@Mojo(name = "login", threadSafe = true, requiresProject = false)
public class LoginMojo extends AbstractAcrMojo {

  /**
   * Directory of the Docker config to write ({@code config.json} inside it), e.g. {@code target/docker-config} for a
   * per-build login (then {@code export DOCKER_CONFIG=target/docker-config}). Default: {@code $DOCKER_CONFIG}, else
   * {@code ~/.docker}.
   */
  @Parameter(property = "acr.dockerConfig")
  protected File dockerConfig;

  @Inject
  public LoginMojo(SettingsDecrypter decrypter) {
    super(decrypter);
  }

  @Override
  protected String goal() {
    return "login";
  }

  @Override
  protected void run() throws ConfigurationProblem, AcrAuthException, MojoExecutionException {
    Registry reg = resolveRegistry();
    RegistryLogin login = authenticator().login(reg, credentialSource(reg));
    Path dir = dockerConfigDirectory();
    try {
      Path written = DockerConfig.write(dir, List.of(login));
      getLog().info("Wrote the login for " + reg.loginServer() + " to " + written
          + login.expiresAt().map(t -> " (valid until " + t + ")").orElse(""));
    } catch (IOException e) {
      throw new MojoExecutionException("Could not write the Docker config in " + dir + ": " + e.getMessage()
          + ". Fix: choose a writable directory with <dockerConfig> (acr.dockerConfig)");
    }
  }

  private Path dockerConfigDirectory() {
    if (dockerConfig != null) {
      return dockerConfig.toPath().toAbsolutePath();
    }
    String env = environment().get("DOCKER_CONFIG");
    if (env != null && !env.isBlank()) {
      return Paths.get(env.trim()).toAbsolutePath();
    }
    return Paths.get(System.getProperty("user.home"), ".docker");
  }
}
