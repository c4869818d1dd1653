package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.slaves.WorkspaceList;
import io.github.acrlogin.auth.Registry;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A temporary Docker config directory beside a workspace holding one registry login: what {@code acrLogin} and
 * the freestyle wrapper set up, refresh and remove. Only non-secret facts (paths, login server, refresh time) are
 * kept by callers; the login itself is written to the agent and forgotten.
 */
final class DockerConfigSession {

  static final String DOCKER_CONFIG = "DOCKER_CONFIG";
  static final String REGISTRY_AUTH_FILE = "REGISTRY_AUTH_FILE";
  static final String ACR_LOGIN_SERVER = "ACR_LOGIN_SERVER";

  /** Rewrite this long before the refresh token expires (ACR's are valid about 3 hours). */
  private static final long REFRESH_MARGIN_MILLIS = 15 * 60 * 1000L;
  private static final long MIN_DELAY_MILLIS = 30 * 1000L;

  final FilePath dir;
  final String loginServer;
  /** Epoch millis when the config should be rewritten; 0 for logins that do not expire. */
  final long refreshAt;
  /** Literal secrets to mask (username/password logins only; token logins are masked by shape). */
  final List<String> literalSecrets;

  private DockerConfigSession(FilePath dir, String loginServer, long refreshAt, List<String> literalSecrets) {
    this.dir = dir;
    this.loginServer = loginServer;
    this.refreshAt = refreshAt;
    this.literalSecrets = literalSecrets;
  }

  /** Logs in and writes {@code config.json} (0600) into a fresh directory in the workspace's temp sibling. */
  static DockerConfigSession open(String credentialsId, String registryRef, Run<?, ?> run, FilePath workspace,
      EnvVars env, TaskListener listener) throws IOException, InterruptedException {
    StandardUsernamePasswordCredentials credential = RegistryAccess.credential(credentialsId, run);
    Registry registry = RegistryAccess.registry(registryRef, credential);
    LoginResult login = RegistryAccess.login(credential, registry, workspace, env, false);
    FilePath tmp = WorkspaceList.tempDir(workspace);
    if (tmp == null) {
      throw new AbortException("Cannot find a temporary directory beside workspace " + workspace.getRemote());
    }
    tmp.mkdirs();
    FilePath dir = tmp.createTempDir("acr-login", "");
    try {
      dir.act(new AgentCalls.WriteConfig(dir.getRemote(), registry, login));
    } catch (IOException | InterruptedException | RuntimeException e) {
      remove(dir, listener);
      throw e;
    }
    listener.getLogger().println("acrLogin: logged in to " + registry.loginServer() + " with credentials '"
        + credentialsId + "'" + (login.expiresAt > 0 ? " (token valid until " + Instant.ofEpochMilli(login.expiresAt)
        + ", renewed before then)" : "") + "; DOCKER_CONFIG=" + dir.getRemote());
    return new DockerConfigSession(dir, registry.loginServer(), refreshAt(login),
        login.isRefreshToken() ? List.of() : TokenMaskingFilter.formsOf(login.username, login.password));
  }

  /**
   * Logs in again with a fresh token and rewrites the config in place.
   *
   * @return when to refresh next (epoch millis, 0 for never)
   */
  static long refresh(String credentialsId, String registryRef, Run<?, ?> run, FilePath dir, FilePath workspace,
      EnvVars env) throws IOException, InterruptedException {
    StandardUsernamePasswordCredentials credential = RegistryAccess.credential(credentialsId, run);
    Registry registry = RegistryAccess.registry(registryRef, credential);
    LoginResult login = RegistryAccess.login(credential, registry, workspace, env, true);
    dir.act(new AgentCalls.WriteConfig(dir.getRemote(), registry, login));
    return refreshAt(login);
  }

  private static long refreshAt(LoginResult login) {
    if (login.expiresAt <= 0) {
      return 0;
    }
    long now = System.currentTimeMillis();
    return Math.max(now + MIN_DELAY_MILLIS, login.expiresAt - REFRESH_MARGIN_MILLIS);
  }

  /** What the block sees: Docker's and podman/skopeo's config locations, and the login server. */
  Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(DOCKER_CONFIG, dir.getRemote());
    env.put(REGISTRY_AUTH_FILE, dir.child("config.json").getRemote());
    env.put(ACR_LOGIN_SERVER, loginServer);
    return env;
  }

  /** Deletes the directory; a failure is reported, not thrown, so it never hides the block's own result. */
  static void remove(FilePath dir, TaskListener listener) {
    try {
      dir.deleteRecursive();
    } catch (IOException | InterruptedException | RuntimeException e) {
      listener.getLogger().println("acrLogin: could not remove " + dir.getRemote() + ": " + e.getMessage());
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
