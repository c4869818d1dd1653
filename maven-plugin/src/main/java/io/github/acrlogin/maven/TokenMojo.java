package io.github.acrlogin.maven;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.DockerConfig;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Scope;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.inject.Inject;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * The {@code az acr login --expose-token} equivalent: prints {@code {"loginServer","username","refreshToken"}} (and
 * {@code "accessToken"} when {@code -Dacr.scope=...} is given) as JSON on standard output, outside Maven's log
 * (run {@code mvn -q acr:token} for clean output), or writes it to {@code acr.output} with mode 0600. The token is
 * never logged otherwise. Admin-user and repository-token logins have no refresh token: they print
 * {@code "password"} instead.
 */
@Mojo(name = "token", threadSafe = true, requiresProject = false)
public class TokenMojo extends AbstractAcrMojo {

  /**
   * Also get an access token for these scopes (space- or comma-separated list of
   * {@code repository:<name>:<actions>}, e.g. {@code repository:samples/hello:pull}).
   */
  @Parameter(property = "acr.scope")
  protected String scope;

  /** Write the JSON to this file (mode 0600) instead of standard output. */
  @Parameter(property = "acr.output")
  protected File output;

  @Inject
  public TokenMojo(SettingsDecrypter decrypter) {
    super(decrypter);
  }

  @Override
  protected String goal() {
    return "token";
  }

  @Override
  protected void run() throws ConfigurationProblem, AcrAuthException, MojoExecutionException {
    Registry reg = resolveRegistry();
    List<Scope> scopes = scopes(scope);
    CredentialSource source = credentialSource(reg);
    RegistryLogin login = authenticator().login(reg, source);
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.put("loginServer", reg.loginServer());
    json.put("username", login.username());
    json.put(login.isRefreshToken() ? "refreshToken" : "password", login.password().reveal());
    if (!scopes.isEmpty()) {
      json.put("accessToken", authenticator().accessToken(reg, source, scopes).token().reveal());
    }
    String text = json.toPrettyString() + System.lineSeparator();
    if (output == null) {
      // The process's real standard output, deliberately not System.out: under mvn -l (--log-file) Maven points
      // System.out at the log file, which must never hold a token. Flushed, not closed: it is the process's stdout.
      PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
      out.print(text);
      out.flush();
      return;
    }
    Path file = output.toPath().toAbsolutePath();
    try {
      DockerConfig.writePrivate(file, text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new MojoExecutionException("Could not write " + file + ": " + e.getMessage()
          + ". Fix: choose a writable path with <output> (acr.output)");
    }
    boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
    getLog().info("Wrote the token for " + reg.loginServer() + " to " + file
        + (posix ? " (mode 0600)" : " (this file system has no POSIX modes: keep the file private)"));
  }

  static List<Scope> scopes(String value) throws ConfigurationProblem {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    try {
      // Commas separate actions inside one scope, so split scopes on whitespace, and on commas only between scopes.
      return Scope.parseAll(value.trim().replaceAll(",\\s*(?=(repository|registry):)", " "));
    } catch (IllegalArgumentException e) {
      throw new ConfigurationProblem("<scope> (acr.scope): " + e.getMessage());
    }
  }
}
