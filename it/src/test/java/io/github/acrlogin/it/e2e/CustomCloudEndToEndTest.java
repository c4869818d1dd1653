package io.github.acrlogin.it.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.it.AcrTestBed;
import io.github.acrlogin.it.Endpoint;
import io.github.acrlogin.it.Role;
import io.github.acrlogin.it.ServicePrincipal;
import io.github.acrlogin.it.TestRegistry;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A custom cloud (Azure Stack, a sovereign or test cloud) routes the Entra hop to its own authority, with no
 * {@code AZURE_AUTHORITY_HOST} in the environment, and nothing is contacted but the bed.
 *
 * <p>Regression test for a shared-auth bug found by these end-to-end tests: EntraTokens set
 * {@code authorityHost(...)} and then {@code configuration(...)}, which in Azure Identity re-reads
 * AZURE_AUTHORITY_HOST (default: the public cloud) and overwrote the custom authority, so the token request
 * went to https://login.microsoftonline.com/&lt;tenant&gt;/oauth2/v2.0/token.
 */
class CustomCloudEndToEndTest {
  static AcrTestBed bed;
  static TestRegistry testRegistry;

  @BeforeAll
  static void start() {
    bed = AcrTestBed.start();
    testRegistry = bed.addRegistry("customcloud");
  }

  @AfterAll
  static void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void customCloudAuthorityHostIsUsedForTheEntraHopWithoutAzureAuthorityHostVariable() throws Exception {
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, testRegistry, Role.ACR_PUSH);
    // Records where every connection of this JVM would go; DIRECT for all, and nothing but 127.0.0.1 resolves.
    Set<String> hosts = ConcurrentHashMap.newKeySet();
    ProxySelector previous = ProxySelector.getDefault();
    ProxySelector.setDefault(new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        hosts.add(uri.getHost());
        return List.of(Proxy.NO_PROXY);
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
    });
    RegistryLogin login = null;
    Exception failure = null;
    try {
      AcrAuthenticator acr = E2e.authenticator(bed, new SecretWatch(), Map.of()); // no AZURE_AUTHORITY_HOST
      login = acr.login(E2e.registry(bed, testRegistry),
          CredentialSource.servicePrincipal(sp.tenantId(), sp.clientId(), Secret.of(sp.requireSecret())));
    } catch (Exception e) {
      failure = e;
    } finally {
      ProxySelector.setDefault(previous);
    }
    Exception f = failure;
    assertTrue(hosts.stream().allMatch("127.0.0.1"::equals),
        () -> "the Entra hop must go to the custom cloud's authority (127.0.0.1) only; hosts contacted: " + hosts
            + (f == null ? "" : "; the login failed with: " + f.getMessage()));
    if (failure != null) {
      throw failure;
    }
    assertTrue(login.isRefreshToken());
    assertEquals(1, bed.counters().count(Endpoint.ENTRA_TOKEN, sp.clientId()));
  }
}
