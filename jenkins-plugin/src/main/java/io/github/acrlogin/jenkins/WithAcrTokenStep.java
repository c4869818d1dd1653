package io.github.acrlogin.jenkins;

import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.Extension;
import hudson.Util;
import hudson.console.ConsoleLogFilter;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.FormValidation;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import jenkins.util.Timer;
import org.jenkinsci.plugins.workflow.steps.BodyExecutionCallback;
import org.jenkinsci.plugins.workflow.steps.BodyInvoker;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;
import org.jenkinsci.plugins.workflow.steps.GeneralNonBlockingStepExecution;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code withAcrToken(registry: 'myregistry', credentialsId: 'acr', variable: 'ACR_TOKEN') { sh 'helm ...' }}:
 * the masked block form of {@code acrToken}. The token is bound to {@code variable} (declared sensitive, so
 * Pipeline warns about interpolating it) and masked in the block's log.
 *
 * <p>The token is kept in controller memory under a random key, not in the Pipeline program, and is renewed before
 * it expires, so that steps started late in a long block get a valid one. Logins happen on a timer thread, never
 * while Pipeline expands the variable: after a controller restart, {@link Execution#onResume} obtains the token
 * again (on the agent for managed and workload identities), and the expansion waits briefly for it.
 */
public class WithAcrTokenStep extends Step {

  /** Tokens of running blocks by random key; controller memory only, dropped when the block ends. */
  private static final Map<String, Slot> SLOTS = new ConcurrentHashMap<>();
  /** How long a step inside the block waits for the token right after a controller restart. */
  private static final long AWAIT_MILLIS = 30_000L;
  private static final long RETRY_MILLIS = 60_000L;

  private final String registry;
  private final String credentialsId;
  private final String variable;
  private String scope;

  @DataBoundConstructor
  public WithAcrTokenStep(String registry, String credentialsId, String variable) {
    this.registry = registry;
    this.credentialsId = credentialsId;
    this.variable = variable;
  }

  public String getRegistry() {
    return registry;
  }

  public String getCredentialsId() {
    return credentialsId;
  }

  public String getVariable() {
    return variable;
  }

  @CheckForNull
  public String getScope() {
    return scope;
  }

  @DataBoundSetter
  public void setScope(String scope) {
    this.scope = Util.fixEmptyAndTrim(scope);
  }

  @Override
  public StepExecution start(StepContext context) {
    return new Execution(context, registry, credentialsId, variable, scope);
  }

  /** One block's token and its renewal; {@link #close} drops both for good. */
  private static final class Slot {
    private String token; // guarded by this
    private long expiresAt; // guarded by this
    private boolean closed; // guarded by this
    private ScheduledFuture<?> renewal; // guarded by this

    synchronized void set(LoginResult login) {
      if (!closed) {
        token = login.password;
        expiresAt = login.expiresAt;
        notifyAll();
      }
    }

    synchronized long expiresAt() {
      return expiresAt;
    }

    /** The token, waiting up to {@code millis} for the first one; null if none came. */
    synchronized String await(long millis) throws InterruptedException {
      long deadline = System.currentTimeMillis() + millis;
      while (token == null && !closed) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          break;
        }
        wait(left);
      }
      return token;
    }

    synchronized void schedule(Runnable task, long at) {
      if (!closed) {
        renewal = Timer.get().schedule(task, Math.max(0, at - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
      }
    }

    synchronized void close() {
      closed = true;
      token = null;
      if (renewal != null) {
        renewal.cancel(false);
        renewal = null;
      }
      notifyAll();
    }
  }

  private static void forget(String key) {
    Slot slot = SLOTS.remove(key);
    if (slot != null) {
      slot.close();
    }
  }

  private static final class Execution extends GeneralNonBlockingStepExecution {
    private static final long serialVersionUID = 1L;
    private final String registry;
    private final String credentialsId;
    private final String variable;
    private final String scope;
    /** The slot's random key; not a secret. Null until the token is held. */
    private volatile String key;
    private transient boolean stopped; // guarded by this

    Execution(StepContext context, String registry, String credentialsId, String variable, String scope) {
      super(context);
      this.registry = registry;
      this.credentialsId = credentialsId;
      this.variable = variable;
      this.scope = scope;
    }

    @Override
    public boolean start() {
      run(this::begin);
      return false;
    }

    private void begin() throws Exception {
      if (variable == null || !FormSupport.isVariableName(variable)) {
        throw new AbortException("withAcrToken needs variable: a name such as ACR_TOKEN");
      }
      StepContext c = getContext();
      Run<?, ?> run = c.get(Run.class);
      LoginResult token = AcrTokenStep.obtain(c, registry, credentialsId, scope);
      String k = UUID.randomUUID().toString();
      Slot slot = new Slot();
      slot.set(token);
      synchronized (this) {
        if (stopped) {
          return; // stop() arrived while logging in; nothing was stored
        }
        // Stored before the body starts (its first step may expand the variable at once), removed if it fails.
        SLOTS.put(k, slot);
        key = k;
      }
      try {
        scheduleRenewal(slot, token.renewAt(System.currentTimeMillis()));
        c.newBodyInvoker()
            .withContext(EnvironmentExpander.merge(c.get(EnvironmentExpander.class), new TokenExpander(variable, k)))
            .withContext(BodyInvoker.mergeConsoleLogFilters(c.get(ConsoleLogFilter.class),
                TokenMaskingFilter.of(List.of(token.password), run.getCharset())))
            .withCallback(new Forget(k))
            .start();
      } catch (Exception | Error e) {
        forget(k);
        throw e;
      }
    }

    /** Renews before expiry (ACR tokens are JWTs: renewed ones are masked by shape); 0 means never. */
    private void scheduleRenewal(Slot slot, long at) {
      if (at > 0) {
        slot.schedule(() -> renew(slot), at);
      }
    }

    /** Obtains the token again, on a timer thread (network calls never run on the CPS VM thread). */
    private void renew(Slot slot) {
      long next;
      try {
        long before = slot.expiresAt();
        LoginResult token = AcrTokenStep.obtain(getContext(), registry, credentialsId, scope);
        slot.set(token);
        long now = System.currentTimeMillis();
        // The same token again means the authenticator's cache has not refreshed yet: ask again shortly.
        next = token.expiresAt == before ? now + RETRY_MILLIS : token.renewAt(now);
      } catch (Exception e) {
        next = System.currentTimeMillis() + RETRY_MILLIS;
        try {
          getContext().get(TaskListener.class).getLogger().println("withAcrToken: could not renew the ACR token for "
              + registry + ", retrying in a minute: " + e.getMessage());
        } catch (IOException | InterruptedException | RuntimeException ignored) {
          // the build is going away; the slot is closed with it
        }
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      scheduleRenewal(slot, next);
    }

    /** After a restart the token is gone from memory: obtain it again, on a timer thread. */
    @Override
    public void onResume() {
      super.onResume();
      String k = key;
      if (k == null) {
        return;
      }
      Slot slot = new Slot();
      if (SLOTS.putIfAbsent(k, slot) == null) {
        slot.schedule(() -> renew(slot), 0);
      }
    }

    @Override
    public void stop(@NonNull Throwable cause) throws Exception {
      String k;
      synchronized (this) {
        stopped = true;
        k = key;
      }
      if (k != null) {
        forget(k);
      }
      super.stop(cause);
    }
  }

  /** Supplies the variable from controller memory; holds only a random key. Never logs in itself. */
  private static final class TokenExpander extends EnvironmentExpander {
    private static final long serialVersionUID = 1L;
    private final String variable;
    private final String key;

    TokenExpander(String variable, String key) {
      this.variable = variable;
      this.key = key;
    }

    @Override
    public void expand(@NonNull EnvVars env) throws IOException, InterruptedException {
      Slot slot = SLOTS.get(key);
      // Only right after a restart is the slot empty, until onResume's login (on a timer thread) fills it.
      String token = slot == null ? null : slot.await(AWAIT_MILLIS);
      if (token == null) {
        throw new AbortException("withAcrToken: the token for " + variable + " is not available (it is obtained"
            + " again after a controller restart, and that failed or is still running; see the log above)");
      }
      env.override(variable, token);
    }

    @NonNull
    @Override
    public Set<String> getSensitiveVariables() {
      return Set.of(variable);
    }
  }

  private static final class Forget extends BodyExecutionCallback.TailCall {
    private static final long serialVersionUID = 1L;
    private final String key;

    Forget(String key) {
      this.key = key;
    }

    @Override
    protected void finished(StepContext context) {
      forget(key);
    }
  }

  @Extension
  public static class DescriptorImpl extends AcrStepDescriptor {

    @Override
    public String getFunctionName() {
      return "withAcrToken";
    }

    @NonNull
    @Override
    public String getDisplayName() {
      return "Bind an Azure Container Registry token to a masked variable";
    }

    @Override
    public boolean takesImplicitBlockArgument() {
      return true;
    }

    @POST
    public FormValidation doCheckVariable(@AncestorInPath Item item, @QueryParameter String value) {
      return StepForms.check(item, () -> value != null && FormSupport.isVariableName(value) ? FormValidation.ok()
          : FormValidation.error("A variable name such as ACR_TOKEN"));
    }
  }
}
