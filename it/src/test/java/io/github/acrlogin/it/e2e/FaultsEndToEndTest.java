package io.github.acrlogin.it.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AccessToken;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Reason;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Scope;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Endpoint;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.Skopeo;
import io.github.acrlogin.it.TestRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults of the token service seen end to end: throttling and 5xx bursts are retried to success within
 * bounds, a token that expires in the middle of a push is refreshed and the push completes, and a push that
 * finally fails leaves no tag pointing at a missing manifest.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsEndToEndTest {
  /**
   * The real registry accepts a token up to 60 s after its {@code exp} (distribution's {@code Leeway}), longer
   * than any push here. To get tokens that the registry rejects within seconds, the emulator's clock is set
   * back by this much and access tokens live one second: {@code exp} is then about 57 s in the past, and the
   * registry accepts each token for only about 2-3 s after it was issued.
   */
  static final Duration SKEW_BEYOND_LEEWAY = Duration.ofSeconds(-58);
  /** Longer than a short-lived token is accepted (see above). */
  static final long PAUSE_MILLIS = 5_000;

  static AcrTestBed bed;
  static TestRegistry testRegistry;
  static Registry registry;
  static ServicePrincipal sp;
  static CredentialSource source;
  static SecretWatch watch = new SecretWatch();
  static Skopeo skopeo;

  @BeforeAll
  static void start() throws Exception {
    bed = AcrTestBed.start();
    E2e.trustBedForJib(bed);
    testRegistry = bed.addRegistry("faultsreg");
    registry = E2e.registry(bed, testRegistry);
    sp = bed.addServicePrincipal();
    bed.grant(sp, testRegistry, Role.ACR_PUSH);
    watch.secret(sp.requireSecret());
    source = CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(sp.requireSecret()));
    skopeo = new Skopeo(bed.workDir());
  }

  @AfterEach
  void normal() {
    bed.faults().reset();
  }

  @AfterAll
  static void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  /** A login through a fresh authenticator (nothing cached), remembering the refresh token as a secret. */
  private static RegistryLogin freshLogin() throws AcrAuthException {
    RegistryLogin login = E2e.authenticator(bed, watch).login(registry, source);
    watch.secret(login.password().reveal());
    return login;
  }

  @Test
  @Order(1)
  void throttledExchangeAndTokenRequestsAreRetriedAfterRetryAfterAndTheLoginSucceeds() throws Exception {
    AcrAuthenticator acr = E2e.authenticator(bed, watch);
    bed.counters().reset();
    bed.faults().throttle(Endpoint.ACR_EXCHANGE, 2, 1).throttle(Endpoint.ACR_TOKEN, 2, 1);
    long start = System.nanoTime();
    RegistryLogin login = acr.login(registry, source);
    AccessToken token = acr.accessToken(registry, source, List.of(Scope.push("faults/throttled")));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    watch.secret(login.password().reveal(), token.token().reveal());

    assertTrue(login.isRefreshToken());
    assertTrue(token.scopes().contains(Scope.push("faults/throttled")), "granted " + token.scopes());
    // Two 429s then the answer, on each endpoint: exactly three requests each, none more.
    assertEquals(3, bed.counters().count(Endpoint.ACR_EXCHANGE, sp.clientId()), bed.counters().toString());
    assertEquals(3, bed.counters().count(Endpoint.ACR_TOKEN, sp.clientId()), bed.counters().toString());
    // Retry-After: 1 honoured four times, and no unbounded waiting.
    assertTrue(took.toMillis() >= 3_500, "waited as Retry-After asked, took " + took);
    assertTrue(took.toSeconds() < 30, "retried within bounds, took " + took);
  }

  @Test
  @Order(2)
  void serviceUnavailableBurstsOnExchangeAndTokenAreRetriedToSuccessAndThePushWorks() throws Exception {
    AcrAuthenticator acr = E2e.authenticator(bed, watch);
    bed.counters().reset();
    bed.faults().serverErrors(Endpoint.ACR_EXCHANGE, 3).serverErrors(Endpoint.ACR_TOKEN, 2);
    long start = System.nanoTime();
    RegistryLogin login = acr.login(registry, source);
    AccessToken token = acr.accessToken(registry, source, List.of(Scope.push("faults/unavailable")));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    watch.secret(login.password().reveal(), token.token().reveal());

    assertEquals(4, bed.counters().count(Endpoint.ACR_EXCHANGE, sp.clientId()), bed.counters().toString());
    assertEquals(3, bed.counters().count(Endpoint.ACR_TOKEN, sp.clientId()), bed.counters().toString());
    assertTrue(took.toSeconds() < 30, "retried within bounds, took " + took);

    E2e.Creds creds = E2e.Creds.of(login);
    String image = testRegistry.loginServer() + "/faults/unavailable:1.0";
    JibContainer pushed = E2e.push(bed, image, creds);
    assertEquals(pushed.getDigest().toString(), E2e.skopeoDigest(skopeo, bed, image, creds));
  }

  @Test
  @Order(3)
  void persistentServiceUnavailableGivesUpWithinTheRetryBudgetAndSaysWhatToDo() throws Exception {
    AcrAuthenticator acr = AcrAuthenticator.builder()
        .http(io.github.acrlogin.auth.HttpSettings.builder().sslContext(bed.sslContext()).build())
        .environment(E2e.environment(bed)).clientName("acr-login-it").listener(watch::event)
        .maxRetryTime(Duration.ofSeconds(5)).build();
    bed.counters().reset();
    bed.faults().serverErrors(Endpoint.ACR_EXCHANGE, 1_000);
    long start = System.nanoTime();
    AcrAuthException e = watch.thrown(assertThrows(AcrAuthException.class, () -> acr.login(registry, source)));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(Reason.SERVICE_UNAVAILABLE, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(Reason.SERVICE_UNAVAILABLE.remedy()), e.getMessage());
    long attempts = bed.counters().count(Endpoint.ACR_EXCHANGE, sp.clientId());
    assertTrue(attempts >= 2 && attempts < 20, "retried, but not forever: " + attempts + " attempts");
    assertTrue(took.toSeconds() < 20, "gave up within the 5 s budget (plus one request), took " + took);
  }

  @Test
  @Order(4)
  void accessTokenThatExpiresMidPushIsRefreshedAndThePushCompletes() throws Exception {
    E2e.Creds creds = E2e.Creds.of(freshLogin());
    bed.faults().clockSkew(SKEW_BEYOND_LEEWAY).accessTokenLifetime(Duration.ofSeconds(1));
    long registryLogBefore = Files.size(testRegistry.logFile());
    bed.counters().reset();
    // What makes it mid-push: Jib has authenticated and opened the upload of the first layer (POST) when this
    // handler holds that upload thread, before its PATCH, for longer than the token is accepted. The PATCH
    // then meets a 401; Jib asks the token service again with the ACR refresh token and carries on.
    AtomicBoolean paused = new AtomicBoolean();
    String image = testRegistry.loginServer() + "/faults/mid-push:1.0";
    JibContainer pushed = E2e.push(bed, image, creds, 3, 2_000_000, event -> {
      if (event instanceof TimerEvent t && t.getState() == TimerEvent.State.LAP
          && t.getDescription().startsWith("pushBlob PATCH") && paused.compareAndSet(false, true)) {
        sleep(PAUSE_MILLIS);
      }
    });
    assertTrue(paused.get(), "the push was held in the middle of a blob upload");
    String registryLog = Files.readString(testRegistry.logFile()).substring((int) registryLogBefore);
    // distribution logs "token not to be used after <exp + leeway>" and then rejects the request.
    assertTrue(registryLog.contains("token not to be used after") && registryLog.contains("invalid token"),
        "the registry rejected an expired token during the push:\n" + E2e.linesWith(registryLog, "token"));
    long tokenRequests = bed.counters().count(Endpoint.ACR_TOKEN, sp.clientId());
    assertTrue(tokenRequests >= 2, "Jib refreshed its access token: " + tokenRequests + " token requests");

    bed.faults().reset();
    assertEquals(pushed.getDigest().toString(), E2e.skopeoDigest(skopeo, bed, image, creds),
        "the completed push is intact");
  }

  @Test
  @Order(5)
  void pushThatFailsAfterTheBlobsLeavesNoTagPointingAtAMissingManifest() throws Exception {
    E2e.Creds creds = E2e.Creds.of(freshLogin());
    bed.faults().clockSkew(SKEW_BEYOND_LEEWAY).accessTokenLifetime(Duration.ofSeconds(1));
    // All blobs are uploaded; just before the manifest, the token service starts failing for good and the
    // push token runs out, so the manifest PUT gets a 401 and the token refresh a 503.
    AtomicBoolean manifestStarted = new AtomicBoolean();
    String image = testRegistry.loginServer() + "/faults/half:1.0";
    Exception failure = assertThrows(Exception.class, () -> E2e.push(bed, image, creds, 2, 500_000, event -> {
      if (event instanceof LogEvent log && log.getMessage().startsWith("Pushing manifest for")
          && manifestStarted.compareAndSet(false, true)) {
        bed.faults().serverErrors(Endpoint.ACR_TOKEN, 1_000_000);
        sleep(PAUSE_MILLIS);
      }
    }));
    assertTrue(manifestStarted.get(), "the push failed at the manifest, after the blobs: " + failure);

    bed.faults().reset();
    Skopeo.Result inspect = skopeo.run("inspect", "--cert-dir", bed.certDir().toString(), "--creds",
        creds.user() + ":" + creds.password(), "docker://" + image);
    assertTrue(inspect.exit() != 0, "the tag must not exist");
    assertTrue(inspect.output().contains("manifest unknown"),
        "skopeo: " + E2e.masked(inspect.output(), creds.password()));
    Skopeo.Result tags = skopeo.run("list-tags", "--cert-dir", bed.certDir().toString(), "--creds",
        creds.user() + ":" + creds.password(), "docker://" + testRegistry.loginServer() + "/faults/half");
    assertFalse(tags.exit() == 0 && E2e.JSON.readTree(tags.output()).path("Tags").toString().contains("\"1.0\""),
        "no tag 1.0 in " + E2e.masked(tags.output(), creds.password()));

    // And the next attempt, with the token service back, pushes the whole image.
    JibContainer pushed = E2e.push(bed, image, creds);
    assertEquals(pushed.getDigest().toString(), E2e.skopeoDigest(skopeo, bed, image, creds));
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noAuthEventOrMessageOfThisClassContainsASecretOrToken() {
    watch.assertNoSecretLeaked();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  @Order(6)
  void aSixthConcurrentPushBeyondAcrsLimitIsThrottledThenProceedsInsteadOfFailing() throws Exception {
    // Seed 003: about 5 concurrent pushes per registry, beyond that 429. Six repositories ask for push tokens
    // at once; the emulator admits five and answers the sixth 429 with Retry-After (the window, 2 s).
    AcrAuthenticator acr = E2e.authenticator(bed, watch);
    acr.login(registry, source); // one login first, so the six calls race only for push grants
    bed.counters().reset();
    bed.faults().limitConcurrentPushes(5, Duration.ofSeconds(2));
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<AccessToken>> tokens = new java.util.ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      Scope scope = Scope.push("faults/concurrent" + i);
      tokens.add(pool.submit(() -> {
        go.await();
        return acr.accessToken(registry, source, List.of(scope));
      }));
    }
    long start = System.nanoTime();
    go.countDown();
    for (int i = 0; i < 6; i++) {
      AccessToken token = tokens.get(i).get();
      watch.secret(token.token().reveal());
      assertTrue(token.scopes().contains(Scope.push("faults/concurrent" + (i + 1))), "granted " + token.scopes());
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    pool.shutdown();
    // Six grants plus exactly one throttled attempt that was retried after Retry-After.
    assertEquals(7, bed.counters().count(Endpoint.ACR_TOKEN, sp.clientId()), bed.counters().toString());
    assertTrue(took.toMillis() >= 1_500, "the sixth waited for the window as Retry-After asked, took " + took);
    assertTrue(took.toSeconds() < 30, "within the retry budget, took " + took);
  }
}
