package io.github.acrlogin.it.maven;

import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Counters;
import io.github.acrlogin.it.Endpoint;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a test (no assertions; its name keeps it out of the failsafe run; it/bench/push-benchmark.sh runs it by name): times
 * {@code mvn acr:push} against {@code mvn jib:build} (jib-maven-plugin 3.5.2 given the same registry login: the
 * null-GUID user and an ACR refresh token) on the same sample application and test bed, for a cold push (new
 * repository) and a no-change re-push, alternating the two tools, and prints medians, ratios, the auth round trips
 * the emulator counted, and the size of acr-maven-plugin's runtime dependency closure. What is compared: the wall
 * time of {@code mvn compile acr:push} (which signs in to Entra and exchanges the token itself) against
 * {@code mvn compile jib:build} alone, and against jib:build plus the identity cost it needs first (the refresh
 * token minted once with shared-auth, timed and counted by the emulator). A last acr:push with
 * {@code -Dacr.timing=true} prints where its time goes.
 */
class PushBenchmark {

  static final Path PROJECTS = AcrMavenPluginIT.PROJECTS;
  static final List<Endpoint> AUTH = List.of(Endpoint.ENTRA_TOKEN, Endpoint.INSTANCE_DISCOVERY,
      Endpoint.OPENID_CONFIGURATION, Endpoint.MANAGED_IDENTITY, Endpoint.ACR_EXCHANGE, Endpoint.ACR_TOKEN);

  @Test
  void acrPushVersusJibBuild() throws Exception {
    int runs = Integer.getInteger("acr.bench.runs", 5);
    Path work = Files.createDirectories(AcrMavenPluginIT.WORK.resolve("bench"));
    try (AcrTestBed bed = AcrTestBed.start()) {
      TestRegistry registry = bed.addRegistry("benchregistry");
      ServicePrincipal sp = bed.addServicePrincipal();
      bed.grant(sp, registry, Role.ACR_PUSH);
      // jib:build gets the same login acr:push makes (the null-GUID user and an ACR refresh token), minted here with
      // shared-auth as `az acr login --expose-token` would: that identity cost (round trips, and the time in this
      // JVM, which underestimates a real az CLI start) is counted for jib:build too, next to its own numbers.
      Map<String, String> env = Map.of("AZURE_AUTHORITY_HOST", bed.authorityHost());
      AcrAuthenticator acr = AcrAuthenticator.builder().clientName("maven").environment(env)
          .http(HttpSettings.builder().sslContext(bed.sslContext()).build()).build();
      Registry reg = Registry.parse(registry.loginServer());
      bed.counters().reset();
      long mintStart = System.nanoTime();
      RegistryLogin login = acr.login(reg,
          CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(sp.requireSecret())));
      long mintMs = (System.nanoTime() - mintStart) / 1_000_000;
      long mintTrips = authRoundTrips(bed.counters());
      String mintCounters = bed.counters().toString();
      String settings = "<settings><localRepository>" + AcrMavenPluginIT.LOCAL_REPO + "</localRepository><mirrors>"
          + "<mirror><id>local-m2</id><mirrorOf>*</mirrorOf><url>" + AcrMavenPluginIT.MIRROR.toUri() + "</url></mirror>"
          + "</mirrors></settings>";
      Path settingsFile = work.resolve("settings.xml");
      Files.writeString(settingsFile, settings);

      Map<String, List<Long>> times = new TreeMap<>();
      Map<String, List<Long>> auth = new TreeMap<>();
      Map<String, String> lastCounters = new TreeMap<>();
      for (int i = 0; i < runs; i++) {
        for (String tool : List.of("acr", "jib")) {
          String repo = "bench/" + tool + "-" + i;
          for (String phase : List.of("cold", "re-push")) {
            MavenRun run = new MavenRun(work, AcrMavenPluginIT.LOCAL_REPO, bed.trustStore(), bed.trustStorePassword())
                .settings(settingsFile).quiet()
                .property("acr.plugin.version", AcrMavenPluginIT.PLUGIN_VERSION);
            if (tool.equals("acr")) {
              run.goals("compile", "acr:push")
                  .property("acr.registry", registry.loginServer())
                  .property("acr.authorityHost", bed.authorityHost())
                  .property("acr.auth.method", "environment")
                  .property("acr.repository", repo)
                  .env("AZURE_TENANT_ID", sp.tenantId())
                  .env("AZURE_CLIENT_ID", sp.clientId())
                  .env("AZURE_CLIENT_SECRET", sp.requireSecret());
            } else {
              run.goals("compile", "com.google.cloud.tools:jib-maven-plugin:3.5.2:build")
                  .property("jib.from.image", "scratch")
                  .property("image", registry.loginServer() + "/" + repo + ":1.0.0")
                  .property("jib.to.auth.username", login.username())
                  .property("jib.to.auth.password", login.password().reveal());
            }
            bed.counters().reset();
            long start = System.nanoTime();
            MavenRun.Result r = run.in(PROJECTS.resolve("hello"), "bench-" + tool + "-" + phase);
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (!r.succeeded()) {
              System.out.println("[bench] " + tool + " " + phase + " failed:\n" + r.log());
              continue;
            }
            times.computeIfAbsent(tool + " " + phase, k -> new ArrayList<>()).add(ms);
            lastCounters.put(tool + " " + phase, bed.counters().toString());
            auth.computeIfAbsent(tool + " " + phase, k -> new ArrayList<>()).add(authRoundTrips(bed.counters()));
          }
        }
      }
      System.out.println("[bench] runs per cell: " + runs + " (alternating acr:push and jib:build; wall time of the"
          + " whole `mvn compile <goal>` invocation)");
      for (String phase : List.of("cold", "re-push")) {
        long acrMs = median(times.get("acr " + phase));
        long jibMs = median(times.get("jib " + phase));
        System.out.printf("[bench] %-8s acr:push median %5d ms, jib:build median %5d ms, ratio %.2f;"
                + " auth round trips acr %d, jib %d (median)%n", phase, acrMs, jibMs, (double) acrMs / jibMs,
            median(auth.get("acr " + phase)), median(auth.get("jib " + phase)));
      }
      System.out.println("[bench] jib:build's identity cost, minted once outside it with shared-auth (as az acr login"
          + " --expose-token would): " + mintTrips + " auth round trips, " + mintMs + " ms in a fresh JVM's first login"
          + " (" + mintCounters + ")");
      for (String phase : List.of("cold", "re-push")) {
        long acrMs = median(times.get("acr " + phase));
        long jibMs = median(times.get("jib " + phase));
        System.out.printf("[bench] %-8s with the identity cost: acr:push %5d ms vs jib:build + minting %5d ms,"
                + " ratio %.2f; auth round trips acr %d vs jib %d + minting %d = %d%n", phase, acrMs, jibMs + mintMs,
            (double) acrMs / (jibMs + mintMs), median(auth.get("acr " + phase)), median(auth.get("jib " + phase)),
            mintTrips, median(auth.get("jib " + phase)) + mintTrips);
      }
      lastCounters.forEach((cell, counters) -> System.out.println("[bench] counters of the last " + cell + ": "
          + counters));
      // One more acr:push with -Dacr.timing=true, not quiet: where its time goes.
      MavenRun timed = new MavenRun(work, AcrMavenPluginIT.LOCAL_REPO, bed.trustStore(), bed.trustStorePassword())
          .settings(settingsFile)
          .property("acr.plugin.version", AcrMavenPluginIT.PLUGIN_VERSION)
          .goals("compile", "acr:push")
          .property("acr.timing", "true")
          .property("acr.registry", registry.loginServer())
          .property("acr.authorityHost", bed.authorityHost())
          .property("acr.auth.method", "environment")
          .property("acr.repository", "bench/timed")
          .env("AZURE_TENANT_ID", sp.tenantId())
          .env("AZURE_CLIENT_ID", sp.clientId())
          .env("AZURE_CLIENT_SECRET", sp.requireSecret());
      MavenRun.Result t = timed.in(PROJECTS.resolve("hello"), "bench-acr-timed");
      t.log().lines().filter(l -> l.contains("[timing]") || l.contains("Total time"))
          .forEach(l -> System.out.println("[bench] timed cold acr:push " + l));
    }
  }

  private static long authRoundTrips(Counters c) {
    long n = 0;
    for (Endpoint e : AUTH) {
      n += c.count(e);
    }
    return n;
  }

  private static long median(List<Long> values) {
    if (values == null || values.isEmpty()) {
      return -1;
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
