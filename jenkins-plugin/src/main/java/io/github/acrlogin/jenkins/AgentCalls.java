package io.github.acrlogin.jenkins;

import hudson.AbortException;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.DockerConfig;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jenkins.security.MasterToSlaveCallable;

/**
 * The pieces of work that must happen on the agent: logins and ARM calls with the agent's own (managed or
 * workload) identity, and writing the Docker config next to the workspace. Failures come back as
 * {@link AbortException} carrying shared-auth's one-line message, which never contains a secret.
 */
final class AgentCalls {

  private AgentCalls() {}

  /**
   * Work done with a machine identity where it lives: carries the identity (ids and paths), the registry and the
   * Azure-related variables of the step's environment, rebuilds them there and maps shared-auth's failures to
   * {@link AbortException}. Subclasses say what to do with them ({@link RegistryAccess#withIdentity} is the
   * controller-side counterpart).
   */
  abstract static class WithIdentity<T> extends MasterToSlaveCallable<T, IOException> {
    private static final long serialVersionUID = 1L;

    private final MachineIdentity identity;
    private final String loginServer;
    private final String cloud;
    private final TreeMap<String, String> environment;

    /**
     * @param environment Azure-related variables only (see {@link Authenticators#azureVariables}), plus the
     *     federated token variable when the identity reads one ({@link MachineIdentity#variablesFor})
     */
    WithIdentity(MachineIdentity identity, Registry registry, Map<String, String> environment) {
      this.identity = identity;
      this.loginServer = registry.loginServer();
      this.cloud = registry.cloud().name();
      this.environment = new TreeMap<>(environment);
    }

    @Override
    public final T call() throws IOException {
      try {
        Registry registry = Registry.parse(loginServer, AzureCloud.named(cloud));
        // The JVM-wide authenticator gets the variables without the federated token (a short-lived secret that
        // the source reads itself), and Authenticators picks it by non-secret settings only.
        return run(identity.settingsOf(environment), registry, identity.toSource(environment));
      } catch (AcrAuthException | IllegalArgumentException | IllegalStateException e) {
        throw new AbortException(e.getMessage());
      }
    }

    /**
     * @param settings the variables for {@link Authenticators#forEnvironment} and
     *     {@link Authenticators#policyForEnvironment}
     */
    abstract T run(Map<String, String> settings, Registry registry, CredentialSource source)
        throws AcrAuthException;
  }

  /** Logs in, or gets an access token for one scope, with a machine identity where the call runs. */
  static final class Obtain extends WithIdentity<LoginResult> {
    private static final long serialVersionUID = 1L;

    private final String scope;

    /** @param scope null for a registry login (refresh token); else a scope already parsed (its canonical form) */
    Obtain(MachineIdentity identity, Registry registry, Map<String, String> environment, String scope) {
      super(identity, registry, environment);
      this.scope = scope;
    }

    @Override
    LoginResult run(Map<String, String> settings, Registry registry, CredentialSource source)
        throws AcrAuthException {
      AcrAuthenticator acr = Authenticators.forEnvironment(settings);
      // Scope is not Serializable: it crosses the channel as its canonical text and is rebuilt here.
      return LoginResult.obtain(acr, registry, source, scope == null ? null : Scope.parse(scope));
    }
  }

  /**
   * Writes (or rewrites) {@code dir/config.json} with one login, mode 0600, via shared-auth's DockerConfig; refuses
   * when {@code dir} is gone, so that a late renewal never recreates a directory that cleanup removed.
   */
  static final class WriteConfig extends MasterToSlaveCallable<Void, IOException> {
    private static final long serialVersionUID = 1L;

    private final String dir;
    private final String cloud;
    private final LoginResult login;

    WriteConfig(String dir, Registry registry, LoginResult login) {
      this.dir = dir;
      this.cloud = registry.cloud().name();
      this.login = login;
    }

    @Override
    public Void call() throws IOException {
      Path path = Paths.get(dir);
      if (!Files.isDirectory(path)) {
        // DockerConfig.write would create it (and leave a live token behind after cleanup).
        throw new AbortException("acrLogin: " + dir + " no longer exists (the block is over); config not written");
      }
      Registry registry = Registry.parse(login.loginServer, AzureCloud.named(cloud));
      DockerConfig.write(path, List.of(login.toRegistryLogin(registry)));
      return null;
    }
  }
}
