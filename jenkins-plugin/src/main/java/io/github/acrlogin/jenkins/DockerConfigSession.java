package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.CheckForNull;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.util.Timer;

/**
 * One temporary Docker config directory beside a workspace holding one registry login, and its renewals: what
 * {@code acrLogin} and the freestyle wrapper open, renew and close. Only non-secret facts (paths, login server,
 * renewal time) are kept; each login is written to the agent and forgotten.
 *
 * <p>Renewal and cleanup never race: a renewal logs in without the lock, then writes only under the lock and only
 * while the session is open; {@link #closeAndRemove} closes it under the same lock (waiting for a write under way)
 * and deletes the directory afterwards. On the agent, {@link AgentCalls.WriteConfig} also refuses to write into a
 * directory that no longer exists, so a token is never left behind in a recreated one.
 */
final class DockerConfigSession {

  static final String DOCKER_CONFIG = "DOCKER_CONFIG";
  static final String REGISTRY_AUTH_FILE = "REGISTRY_AUTH_FILE";
  static final String ACR_LOGIN_SERVER = "ACR_LOGIN_SERVER";

  private static final Logger LOGGER = Logger.getLogger(DockerConfigSession.class.getName());
  private static final long RETRY_MILLIS = 60_000L;

  /** What a renewal needs from the build, looked up each time one runs. */
  static final class Place {
    final Run<?, ?> run;
    @CheckForNull final FilePath workspace;
    final EnvVars env;
    final TaskListener listener;

    Place(Run<?, ?> run, @CheckForNull FilePath workspace, EnvVars env, TaskListener listener) {
      this.run = run;
      this.workspace = workspace;
      this.env = env;
      this.listener = listener;
    }
  }

  /** Finds the build's {@link Place} when a renewal runs (Pipeline: from the step context, which survives restarts). */
  @FunctionalInterface
  interface Places {
    Place get() throws IOException, InterruptedException;
  }

  private final String credentialsId;
  private final String registryRef;
  private final String dir;
  private final Map<String, String> environment;
  /** Literal secrets to mask (username/password logins only; token logins are masked by shape). */
  final List<String> literalSecrets;

  private final Object lock = new Object();
  private boolean closed; // guarded by lock
  private ScheduledFuture<?> pending; // guarded by lock
  private Places places; // guarded by lock
  private LongConsumer onScheduled; // guarded by lock
  private volatile long renewAt;
  private volatile long expiresAt;

  private DockerConfigSession(String credentialsId, String registryRef, String dir, Map<String, String> environment,
      List<String> literalSecrets, long renewAt, long expiresAt) {
    this.credentialsId = credentialsId;
    this.registryRef = registryRef;
    this.dir = dir;
    this.environment = environment;
    this.literalSecrets = literalSecrets;
    this.renewAt = renewAt;
    this.expiresAt = expiresAt;
  }

  /**
   * Logs in and writes {@code config.json} (0600) into a fresh directory in the workspace's temp sibling. The
   * session is open but not renewing: call {@link #startRenewals}, and {@link #closeAndRemove} however it ends.
   */
  static DockerConfigSession open(String credentialsId, String registryRef, Run<?, ?> run, FilePath workspace,
      EnvVars env, TaskListener listener) throws IOException, InterruptedException {
    StandardUsernamePasswordCredentials credential = RegistryAccess.credential(credentialsId, run);
    Registry registry = RegistryAccess.registry(registryRef, credential);
    LoginResult login = RegistryAccess.login(credential, registry, workspace, env);
    FilePath tmp = WorkspaceList.tempDir(workspace);
    if (tmp == null) {
      throw new AbortException("Cannot find a temporary directory beside workspace " + workspace.getRemote());
    }
    tmp.mkdirs();
    FilePath dir = tmp.createTempDir("acr-login", "");
    try {
      dir.act(new AgentCalls.WriteConfig(dir.getRemote(), registry, login));
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (e instanceof InterruptedException) {
        Timer.get().execute(() -> remove(dir, listener)); // a remote call from an interrupted thread would fail
      } else {
        remove(dir, listener);
      }
      throw e;
    }
    listener.getLogger().println("acrLogin: logged in to " + registry.loginServer() + " with credentials '"
        + credentialsId + "'" + (login.expiresAt > 0 ? " (token valid until " + Instant.ofEpochMilli(login.expiresAt)
        + ", renewed before then)" : "") + "; DOCKER_CONFIG=" + dir.getRemote());
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put(DOCKER_CONFIG, dir.getRemote());
    vars.put(REGISTRY_AUTH_FILE, dir.child("config.json").getRemote());
    vars.put(ACR_LOGIN_SERVER, registry.loginServer());
    return new DockerConfigSession(credentialsId, registryRef, dir.getRemote(), vars,
        login.isRefreshToken() ? List.of() : TokenMaskingFilter.formsOf(login.username, login.password),
        login.renewAt(System.currentTimeMillis()), login.expiresAt);
  }

  /**
   * The session of a directory written before a controller restart (Pipeline keeps only its path and renewal time).
   *
   * @param renewAt when to renew (epoch millis; 0 for never, past for now)
   */
  static DockerConfigSession resume(String credentialsId, String registryRef, String dir, long renewAt) {
    return new DockerConfigSession(credentialsId, registryRef, dir, Map.of(), List.of(), renewAt, 0);
  }

  /** The config directory on the agent. */
  String dir() {
    return dir;
  }

  /** When the next renewal is due (epoch millis; 0 for never). */
  long renewAt() {
    return renewAt;
  }

  /** What the block sees: Docker's and podman/skopeo's config locations, and the login server (empty if resumed). */
  Map<String, String> environment() {
    return environment;
  }

  /**
   * Renews the config before its token expires, until closed.
   *
   * @param onScheduled told each next renewal time (Pipeline persists it for after a restart)
   */
  void startRenewals(Places places, LongConsumer onScheduled) {
    synchronized (lock) {
      this.places = places;
      this.onScheduled = onScheduled;
    }
    scheduleAt(renewAt);
  }

  private void scheduleAt(long at) {
    LongConsumer told;
    synchronized (lock) {
      if (closed || at <= 0 || places == null) {
        return;
      }
      renewAt = at;
      pending = Timer.get().schedule(this::renew, Math.max(0, at - System.currentTimeMillis()),
          TimeUnit.MILLISECONDS);
      told = onScheduled;
    }
    told.accept(at);
  }

  private void renew() {
    Places lookup;
    synchronized (lock) {
      if (closed) {
        return;
      }
      lookup = places;
    }
    Place p;
    try {
      p = lookup.get();
    } catch (IOException | InterruptedException | RuntimeException e) {
      LOGGER.log(Level.FINE, "build gone, no more renewals of " + dir, e); // as when the agent is gone below
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    TaskListener listener = p.listener;
    long next;
    try {
      FilePath workspace = p.workspace;
      if (workspace == null || workspace.getChannel() == null) {
        return; // agent gone: nothing to renew
      }
      StandardUsernamePasswordCredentials credential = RegistryAccess.credential(credentialsId, p.run);
      Registry registry = RegistryAccess.registry(registryRef, credential);
      // The network login happens outside the lock, so that closing never waits for Entra or ACR.
      LoginResult login = RegistryAccess.login(credential, registry, workspace, p.env);
      long now = System.currentTimeMillis();
      boolean written = false;
      synchronized (lock) {
        if (closed) {
          return; // the block ended meanwhile: its directory is gone or going, write nothing
        }
        if (login.expiresAt != expiresAt) {
          new FilePath(workspace.getChannel(), dir).act(new AgentCalls.WriteConfig(dir, registry, login));
          expiresAt = login.expiresAt;
          written = true;
        }
      }
      if (written) {
        next = login.renewAt(now);
        listener.getLogger().println("acrLogin: renewed the ACR token for " + registry.loginServer()
            + (login.expiresAt > 0 ? " (valid until " + Instant.ofEpochMilli(login.expiresAt) + ")" : ""));
      } else {
        // Still the same token (the cache has not refreshed yet: clock skew, or it kept a valid token after a
        // failed refresh, which it reports itself); the file already holds it. Ask again shortly.
        next = Math.min(now + RETRY_MILLIS, Math.max(now + LoginResult.MIN_DELAY_MILLIS, login.expiresAt));
      }
    } catch (IOException | RuntimeException e) {
      // Keep the current (still valid) config and try again shortly.
      next = System.currentTimeMillis() + RETRY_MILLIS;
      listener.getLogger().println("acrLogin: could not renew the ACR token for " + registryRef
          + ", retrying in a minute: " + e.getMessage());
      LOGGER.log(Level.FINE, "renewal failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    scheduleAt(next);
  }

  /** Stops renewals for good; returns after a renewal write under way has finished. Idempotent. */
  void close() {
    synchronized (lock) {
      closed = true;
      if (pending != null) {
        pending.cancel(false);
        pending = null;
      }
    }
  }

  /**
   * Closes the session, then deletes the directory through {@code workspace}'s channel; a failure, or an offline
   * agent, is reported, not thrown, so that it never hides the block's own result.
   */
  void closeAndRemove(@CheckForNull FilePath workspace, TaskListener listener) {
    close();
    if (workspace != null && workspace.getChannel() != null) {
      remove(new FilePath(workspace.getChannel(), dir), listener);
    } else {
      listener.getLogger().println("acrLogin: agent offline, could not remove " + dir
          + " (it holds a registry token until it expires; delete it on the agent)");
    }
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
