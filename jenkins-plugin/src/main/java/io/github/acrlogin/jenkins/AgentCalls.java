package io.github.acrlogin.jenkins;

import hudson.AbortException;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.DockerConfig;
import io.github.acrlogin.auth.Registry;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jenkins.security.MasterToSlaveCallable;

/**
 * The pieces of work that must happen on the agent: logins with the agent's own (managed or workload) identity,
 * and writing the Docker config next to the workspace. Failures come back as {@link AbortException} carrying
 * shared-auth's one-line message, which never contains a secret.
 */
final class AgentCalls {

  private AgentCalls() {}

  /** Logs in, or gets an access token for one scope, with a machine identity where the call runs. */
  static final class Obtain extends MasterToSlaveCallable<LoginResult, IOException> {
    private static final long serialVersionUID = 1L;

    private final MachineIdentity identity;
    private final String loginServer;
    private final String cloud;
    private final TreeMap<String, String> environment;
    private final String scope;
    private final boolean fresh;

    /**
     * @param environment Azure-related variables only (see {@link Authenticators#azureVariables}), plus the
     *     federated token variable when the identity reads one
     * @param scope null for a registry login (refresh token)
     * @param fresh forget cached tokens first (used when rewriting a config before its token expires)
     */
    Obtain(MachineIdentity identity, Registry registry, Map<String, String> environment, String scope, boolean fresh) {
      this.identity = identity;
      this.loginServer = registry.loginServer();
      this.cloud = registry.cloud().name();
      this.environment = new TreeMap<>(environment);
      this.scope = scope;
      this.fresh = fresh;
    }

    @Override
    public LoginResult call() throws IOException {
      try {
        Registry registry = Registry.parse(loginServer, AzureCloud.named(cloud));
        // The authenticator is chosen by settings only: never key it by a (short-lived, secret) federated token.
        return LoginResult.obtain(Authenticators.forEnvironment(identity.settingsOf(environment)), registry,
            identity.toSource(environment), scope, fresh);
      } catch (AcrAuthException | IllegalArgumentException | IllegalStateException e) {
        throw new AbortException(e.getMessage());
      }
    }
  }

  /** Writes (or rewrites) {@code dir/config.json} with one login, mode 0600, via shared-auth's DockerConfig. */
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
      Registry registry = Registry.parse(login.loginServer, AzureCloud.named(cloud));
      DockerConfig.write(Paths.get(dir), List.of(login.toRegistryLogin(registry)));
      return null;
    }
  }
}
