package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.model.Run;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Scope;
import io.github.acrlogin.auth.Secret;
import java.io.IOException;
import java.util.Map;

/**
 * Turns (credentials id, registry) in the context of a run into a registry login or token, on the right machine:
 * secret-based identities on the controller, managed and workload identities on the agent that owns them. Every
 * user error becomes an {@link AbortException} with one line of text, which ends a build without a stack trace.
 */
final class RegistryAccess {

  private RegistryAccess() {}

  /**
   * Resolves a credential as the run's authentication may use it, and records its use.
   *
   * @throws AbortException when it does not exist, is not visible to the job, or is not username/password
   */
  static StandardUsernamePasswordCredentials credential(String credentialsId, Run<?, ?> run) throws AbortException {
    if (credentialsId == null || credentialsId.isBlank()) {
      throw new AbortException("No credentialsId given: name an ACR credential or a username/password credential");
    }
    StandardUsernamePasswordCredentials c =
        CredentialsProvider.findCredentialById(credentialsId, StandardUsernamePasswordCredentials.class, run);
    if (c == null) {
      throw new AbortException("Credentials '" + credentialsId + "' were not found, are not visible to "
          + run.getParent().getFullName() + ", or are not an ACR or username/password credential."
          + " Fix: check the id and the credential's scope and folder");
    }
    return CredentialsProvider.track(run, c);
  }

  /** Parses the registry in the credential's cloud. */
  static Registry registry(String reference, StandardUsernamePasswordCredentials credential) throws AbortException {
    try {
      AzureCloud cloud = credential instanceof AcrCredentials
          ? ((AcrCredentials) credential).azureCloud() : AzureCloud.PUBLIC;
      return Registry.parse(reference, cloud);
    } catch (IllegalArgumentException e) {
      throw new AbortException(e.getMessage());
    }
  }

  /** Whether logins with this credential must happen on the agent (the identity belongs to that machine). */
  static boolean onAgent(StandardUsernamePasswordCredentials credential) {
    return credential instanceof AcrCredentials && ((AcrCredentials) credential).machineIdentity() != null;
  }

  /**
   * A registry login (refresh token, or the username/password itself after checking it with the registry), from
   * the authenticator's cache when it holds a valid one.
   *
   * @param workspace where machine identities log in; may be null for secret-based credentials
   */
  static LoginResult login(StandardUsernamePasswordCredentials credential, Registry registry,
      @CheckForNull FilePath workspace, EnvVars env) throws IOException, InterruptedException {
    return token(credential, registry, workspace, env, null);
  }

  /** Parses a step's {@code scope} parameter once; null stays null. */
  @CheckForNull
  static Scope scope(@CheckForNull String scope) throws AbortException {
    try {
      return scope == null ? null : Scope.parse(scope);
    } catch (IllegalArgumentException e) {
      throw new AbortException(e.getMessage());
    }
  }

  /** An access token for {@code scope}, or a registry login when {@code scope} is null. */
  static LoginResult token(StandardUsernamePasswordCredentials credential, Registry registry,
      @CheckForNull FilePath workspace, EnvVars env, @CheckForNull Scope scope)
      throws IOException, InterruptedException {
    return withIdentity(credential, registry, workspace, env,
        source -> LoginResult.obtain(Authenticators.controller(), registry, source, scope),
        (identity, variables) -> new AgentCalls.Obtain(identity, registry, variables,
            scope == null ? null : scope.toString()));
  }

  /** What to do with a secret-based credential's source, on the controller. */
  @FunctionalInterface
  interface OnController<T> {
    T run(CredentialSource source) throws AcrAuthException;
  }

  /** The agent call that does the same with a machine identity, given the variables that travel with it. */
  @FunctionalInterface
  interface OnAgent<T> {
    AgentCalls.WithIdentity<T> call(MachineIdentity identity, Map<String, String> variables);
  }

  /**
   * Runs work with a credential's identity on the right machine: managed and workload identities on the agent of
   * {@code workspace} (they belong to it), everything else on the controller. shared-auth's failures become
   * {@link AbortException}s.
   *
   * @param workspace where machine identities work; may be null for secret-based credentials
   */
  static <T> T withIdentity(StandardUsernamePasswordCredentials credential, Registry registry,
      @CheckForNull FilePath workspace, EnvVars env, OnController<T> onController, OnAgent<T> onAgent)
      throws IOException, InterruptedException {
    // Same test as onAgent(credential), on the value itself: machineIdentity() is @CheckForNull, and SpotBugs
    // (NP_NULL_ON_SOME_PATH_FROM_RETURN_VALUE) does not see that onAgent() already checked it.
    MachineIdentity identity =
        credential instanceof AcrCredentials ? ((AcrCredentials) credential).machineIdentity() : null;
    if (identity != null) {
      if (workspace == null || workspace.getChannel() == null) {
        throw new AbortException("Credentials '" + credential.getId() + "' are a managed or workload identity,"
            + " which belongs to the agent: use them inside node { } (the agent must be online)");
      }
      return workspace.act(onAgent.call(identity, identity.variablesFor(env)));
    }
    try {
      return onController.run(sourceOnController(credential, registry));
    } catch (AcrAuthException | IllegalArgumentException | IllegalStateException e) {
      throw new AbortException(e.getMessage());
    }
  }

  /**
   * The shared-auth source for a credential used on the controller. Plain username/password credentials are the
   * registry's admin user when the username is the registry name (as ACR names its admin), else a
   * repository-scoped token.
   */
  static CredentialSource sourceOnController(StandardUsernamePasswordCredentials credential, Registry registry) {
    if (credential instanceof AcrCredentials) {
      return ((AcrCredentials) credential).source(System.getenv());
    }
    String user = credential.getUsername();
    Secret password = Secret.of(credential.getPassword().getPlainText());
    return user.equalsIgnoreCase(registry.name())
        ? CredentialSource.adminUser(user, password)
        : CredentialSource.repositoryToken(user, password);
  }
}
