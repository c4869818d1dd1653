package io.github.acrlogin.maven;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.Audience;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Redaction;
import io.github.acrlogin.auth.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.model.Plugin;
import org.apache.maven.model.PluginExecution;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.Settings;
import org.apache.maven.settings.building.SettingsProblem;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;
import org.codehaus.plexus.util.xml.Xpp3Dom;

/**
 * What every {@code acr:} goal shares: the registry, the cloud, the {@code <auth>} block and the way secrets are
 * read (settings.xml servers through Maven's decrypter, or the Azure Identity environment variables).
 *
 * <p>No parameter of any goal holds a secret, so Maven's {@code -X} parameter dump has none to show.
 */
abstract class AbstractAcrMojo extends AbstractMojo {

  /** This plugin's key in the POM, for reading its raw configuration. */
  static final String PLUGIN_KEY = "io.github.acrlogin:acr-maven-plugin";

  /**
   * The registry: a name ({@code myregistry}), a login server ({@code myregistry.azurecr.io}) or its https URL.
   */
  @Parameter(property = "acr.registry")
  protected String registry;

  /**
   * How to log in: {@code <method>} plus the identifiers that method needs (tenant, client id, managed identity id,
   * settings.xml server id, ...). Secrets never go here; see the plugin documentation. Each element also reads the
   * user property {@code acr.auth.<element>} when it is absent.
   */
  @Parameter
  protected AuthConfig auth;

  /** Azure cloud of the registry: {@code AzureCloud} (default), {@code AzureChinaCloud}, {@code AzureUSGovernment}. */
  @Parameter(property = "acr.cloud")
  protected String cloud;

  /** Microsoft Entra authority host for a custom cloud or a test bed, e.g. {@code https://login.example.com}. */
  @Parameter(property = "acr.authorityHost")
  protected String authorityHost;

  /**
   * Entra audience of the first hop: {@code acr} (default; accepted by every registry), {@code arm} (only registries
   * with authentication-as-arm enabled), or a custom cloud's ACR audience URL.
   */
  @Parameter(property = "acr.audience")
  protected String audience;

  /** Skips the goal. */
  @Parameter(property = "acr.skip", defaultValue = "false")
  protected boolean skip;

  @Parameter(defaultValue = "${settings}", readonly = true, required = true)
  protected Settings settings;

  @Parameter(defaultValue = "${session}", readonly = true, required = true)
  protected MavenSession session;

  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  protected MavenProject project;

  private final SettingsDecrypter decrypter;

  protected AbstractAcrMojo(SettingsDecrypter decrypter) {
    this.decrypter = decrypter;
  }

  /** The goal's name, for messages. */
  protected abstract String goal();

  /** Does the goal's work. */
  protected abstract void run() throws ConfigurationProblem, AcrAuthException, MojoExecutionException,
      MojoFailureException;

  @Override
  public final void execute() throws MojoExecutionException, MojoFailureException {
    if (skip) {
      getLog().info("Skipping acr:" + goal() + " (acr.skip is true)");
      return;
    }
    Authenticators.quietAzureSdkLogging();
    Authenticators.attach(getLog());
    try {
      refuseSecretsInPom();
      run();
    } catch (ConfigurationProblem e) {
      throw new MojoFailureException("acr:" + goal() + " is misconfigured: " + e.getMessage());
    } catch (AcrAuthException e) {
      // One line: what failed, why, and "Fix: ...". Never a secret (shared-auth redacts server detail).
      throw new MojoFailureException(e.getMessage());
    } catch (IllegalArgumentException e) {
      // A value that a library refused (shared-auth, Jib): a user error, so no stack trace; scrubbed all the same.
      throw new MojoFailureException("acr:" + goal() + " failed: " + Redaction.redact(e.getMessage()));
    } finally {
      Authenticators.detach();
    }
  }

  // ------------------------------------------------------------------ shared resolution

  protected final Registry resolveRegistry() throws ConfigurationProblem {
    return AuthResolver.registry(registry, cloud, authorityHost, audience);
  }

  protected final CredentialSource credentialSource(Registry reg) throws ConfigurationProblem {
    AuthConfig configured = auth == null ? new AuthConfig() : auth;
    AuthConfig effective = configured.withDefaults(this::property);
    Audience aud = AuthResolver.audience(audience);
    return new AuthResolver(environment(), this::server).credentialSource(effective, reg, aud);
  }

  protected final AcrAuthenticator authenticator() {
    return Authenticators.get(environment());
  }

  /**
   * The process environment, for Azure Identity. {@code <authorityHost>} is not added to it: it is part of the
   * registry's cloud ({@link #resolveRegistry()}), which shared-auth applies to every Entra credential it builds.
   */
  protected Map<String, String> environment() {
    return System.getenv();
  }

  /** A user property as Maven resolves {@code ${name}}: command line, then system, then project properties. */
  protected final String property(String name) {
    String v = null;
    if (session != null) {
      v = get(session.getUserProperties(), name);
      if (v == null) {
        v = get(session.getSystemProperties(), name);
      }
    }
    if (v == null && project != null) {
      v = get(project.getProperties(), name);
    }
    return v;
  }

  private static String get(Properties p, String name) {
    return p == null ? null : p.getProperty(name);
  }

  /** The decrypted {@code settings.xml} server with this id, or null. */
  private ServerEntry server(String id) throws ConfigurationProblem {
    Server server = settings == null ? null : settings.getServer(id);
    if (server == null) {
      return null;
    }
    SettingsDecryptionResult result = decrypter.decrypt(new DefaultSettingsDecryptionRequest(server));
    for (SettingsProblem problem : result.getProblems()) {
      if (problem.getSeverity() != SettingsProblem.Severity.WARNING) {
        throw new ConfigurationProblem("the password of settings.xml server '" + id + "' could not be decrypted ("
            + problem.getMessage() + "): check ~/.m2/settings-security.xml (the master password) or re-encrypt it"
            + " with mvn --encrypt-password");
      }
    }
    Server s = result.getServer();
    return new ServerEntry(id, s.getUsername(), s.getPassword(), s.getPrivateKey(), s.getPassphrase());
  }

  /**
   * Maven drops unknown top-level elements before configuring a goal, so a {@code <clientSecret>} written directly in
   * {@code <configuration>} would be silently ignored: look for it in the project's raw plugin configuration. (A
   * secret element inside {@code <auth>} is refused by {@link AuthResolver#credentialSource}.)
   */
  private void refuseSecretsInPom() throws ConfigurationProblem {
    if (project == null || project.getBuild() == null) {
      return;
    }
    List<Xpp3Dom> configurations = new ArrayList<>();
    for (Plugin plugin : project.getBuildPlugins()) {
      if (PLUGIN_KEY.equals(plugin.getKey())) {
        configurations.add((Xpp3Dom) plugin.getConfiguration());
        for (PluginExecution execution : plugin.getExecutions()) {
          configurations.add((Xpp3Dom) execution.getConfiguration());
        }
      }
    }
    for (Xpp3Dom configuration : configurations) {
      if (configuration == null) {
        continue;
      }
      for (String name : AuthConfig.SECRET_ELEMENTS) {
        if (configuration.getChild(name) != null) {
          throw AuthResolver.secretInPom("<configuration><" + name + ">", registryOrNull());
        }
      }
    }
  }

  private Registry registryOrNull() {
    try {
      return resolveRegistry();
    } catch (ConfigurationProblem e) {
      return null; // the message then shows a placeholder for the server id
    }
  }
}
