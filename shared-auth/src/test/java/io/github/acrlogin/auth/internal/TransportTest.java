package io.github.acrlogin.auth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpMethod;
import com.azure.core.util.Context;
import com.sun.net.httpserver.HttpServer;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.auth.Registry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TransportTest {

  private static final HttpSettings LOOPBACK_HTTP = HttpSettings.builder().plainHttpOnLoopback(true).build();

  /** Stands in for the JVM's selector (https.proxyHost): always its own proxy. */
  private static final ProxySelector JVM =
      new ProxySelector() {
        @Override
        public List<Proxy> select(URI uri) {
          return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("jvm.proxy", 8888)));
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
      };

  private static String chosen(Map<String, String> env, String uri) {
    List<Proxy> proxies = new Transport(HttpSettings.defaults(), env, JVM).proxySelector().select(URI.create(uri));
    assertEquals(1, proxies.size());
    Proxy p = proxies.get(0);
    if (p.type() == Proxy.Type.DIRECT) {
      return "DIRECT";
    }
    InetSocketAddress a = (InetSocketAddress) p.address();
    return a.getHostString() + ":" + a.getPort();
  }

  // ---------------------------------------------------------------- proxy selection

  @Test
  void httpsProxyFromEnvironmentIsUsedForHttps() {
    assertEquals(
        "proxy.corp:3128",
        chosen(Map.of("https_proxy", "http://proxy.corp:3128"), "https://x.azurecr.io/oauth2/exchange"));
    assertEquals(
        "proxy.corp:3128", chosen(Map.of("HTTPS_PROXY", "http://proxy.corp:3128/"), "https://login.microsoftonline.com/"));
  }

  @Test
  void proxyWithoutSchemeOrPortIsAccepted() {
    assertEquals("proxy.corp:3128", chosen(Map.of("https_proxy", "proxy.corp:3128"), "https://x.azurecr.io/"));
    assertEquals("proxy.corp:80", chosen(Map.of("https_proxy", "http://proxy.corp"), "https://x.azurecr.io/"));
  }

  @Test
  void lowercaseVariableWinsOverUppercase() {
    assertEquals(
        "lower:1",
        chosen(Map.of("https_proxy", "http://lower:1", "HTTPS_PROXY", "http://upper:2"), "https://x.azurecr.io/"));
  }

  @Test
  void httpProxyAppliesOnlyToPlainHttp() {
    Map<String, String> env = Map.of("http_proxy", "http://plain:8080");
    assertEquals("plain:8080", chosen(env, "http://example.com/"));
    assertEquals("jvm.proxy:8888", chosen(env, "https://x.azurecr.io/"));
  }

  @Test
  void withoutEnvironmentProxyTheJvmSelectorDecides() {
    assertEquals("jvm.proxy:8888", chosen(Map.of(), "https://x.azurecr.io/"));
  }

  @ParameterizedTest(name = "no_proxy={0} host={1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "*                          | https://x.azurecr.io/          | DIRECT",
        "x.azurecr.io               | https://x.azurecr.io/          | DIRECT",
        "X.AZURECR.IO               | https://x.azurecr.io/          | DIRECT",
        "x.azurecr.io               | https://y.azurecr.io/          | proxy:3128",
        "azurecr.io                 | https://x.azurecr.io/          | DIRECT",
        "azurecr.io                 | https://notazurecr.io/         | proxy:3128",
        ".azurecr.io                | https://x.azurecr.io/          | DIRECT",
        ".azurecr.io                | https://azurecr.io/            | DIRECT",
        "*.azurecr.io               | https://x.azurecr.io/          | DIRECT",
        "'example.com, .azurecr.io' | https://x.azurecr.io/          | DIRECT",
        "'example.com  azurecr.io'  | https://x.azurecr.io/          | DIRECT",
        "x.azurecr.io:443           | https://x.azurecr.io/          | DIRECT",
        "x.azurecr.io:8443          | https://x.azurecr.io/          | proxy:3128",
        "x.azurecr.io:8443          | https://x.azurecr.io:8443/     | DIRECT",
        "10.1.2.3                   | https://10.1.2.3/              | DIRECT",
        "10.0.0.0/8                 | https://10.200.3.4/            | DIRECT",
        "10.0.0.0/8                 | https://11.0.0.1/              | proxy:3128",
        "fd00::/8                   | https://[fd12::1]/             | DIRECT",
        "'[fd12::1]'                | https://[fd12:0::1]/           | DIRECT",
        "'[fd12::1]:8443'           | https://[fd12::1]:8443/        | DIRECT",
        "'[fd12::1]:8443'           | https://[fd12::1]/             | proxy:3128",
        "''                         | https://x.azurecr.io/          | proxy:3128",
        "'  ,  ,'                   | https://x.azurecr.io/          | proxy:3128",
      })
  void noProxyFormsMatchAsCurlDoes(String noProxy, String uri, String expected) {
    assertEquals(expected, chosen(Map.of("https_proxy", "http://proxy:3128", "no_proxy", noProxy), uri));
    assertEquals(expected, chosen(Map.of("https_proxy", "http://proxy:3128", "NO_PROXY", noProxy), uri));
  }

  @Test
  void noProxyAlsoBypassesTheJvmProxy() {
    assertEquals("DIRECT", chosen(Map.of("no_proxy", ".azurecr.io"), "https://x.azurecr.io/"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01",
        "http://169.254.130.1:8081/msi/token",
        "http://localhost:40342/metadata/identity/oauth2/token",
        "http://127.0.0.1:41741/MSI/token/",
        "http://127.0.0.53/",
        "https://[::1]:8443/",
        "http://[fe80::1]/"
      })
  void loopbackAndManagedIdentityEndpointsAreAlwaysDirect(String uri) {
    Map<String, String> env =
        Map.of("https_proxy", "http://proxy:3128", "http_proxy", "http://proxy:3128", "no_proxy", "example.com");
    assertEquals("DIRECT", chosen(env, uri));
    // Even the JVM's own proxy settings do not apply.
    assertEquals("DIRECT", chosen(Map.of(), uri));
  }

  @Test
  void jvmHttpsProxyHostPropertyIsTheDefaultFallback() {
    Map<String, String> saved = new HashMap<>();
    for (String k : List.of("https.proxyHost", "https.proxyPort", "http.nonProxyHosts")) {
      saved.put(k, System.getProperty(k));
    }
    try {
      System.setProperty("https.proxyHost", "jvm-props.proxy");
      System.setProperty("https.proxyPort", "3129");
      System.clearProperty("http.nonProxyHosts");
      ProxySelector selector = new Transport(HttpSettings.defaults(), Map.of()).proxySelector();
      Proxy p = selector.select(URI.create("https://x.azurecr.io/v2/")).get(0);
      assertEquals(Proxy.Type.HTTP, p.type());
      assertEquals("jvm-props.proxy", ((InetSocketAddress) p.address()).getHostString());
      assertEquals(3129, ((InetSocketAddress) p.address()).getPort());
      // ...and IMDS still bypasses it.
      assertEquals(Proxy.NO_PROXY, selector.select(URI.create("http://169.254.169.254/metadata")).get(0));
    } finally {
      saved.forEach((k, v) -> {
        if (v == null) {
          System.clearProperty(k);
        } else {
          System.setProperty(k, v);
        }
      });
    }
  }

  @Test
  void unusableProxySettingsAreReportedTogether() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Transport(
                    HttpSettings.defaults(),
                    Map.of("HTTPS_PROXY", "socks5://proxy:1080", "http_proxy", "http://someone@proxy:3128")));
    assertEquals(
        "Invalid proxy settings: HTTPS_PROXY uses socks5://, which the JDK client cannot use; use http://host:port;"
            + " http_proxy names a proxy user without a password; use http://user:password@host:port",
        e.getMessage());
  }

  @Test
  void proxyCredentialsAreOfferedOnlyForRequestsThatTheirProxyCarries() {
    Transport.EnvironmentProxySelector selector =
        (Transport.EnvironmentProxySelector)
            new Transport(
                    HttpSettings.defaults(),
                    Map.of("https_proxy", "http://alice:secret@proxy:3128", "no_proxy", "internal.example"),
                    JVM)
                .proxySelector();
    String basic = "Basic " + Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));
    assertEquals(java.util.Optional.of(basic), selector.proxyAuthorization(URI.create("https://x.azurecr.io/v2/")));
    // Direct (no_proxy, IMDS), or through the JVM's proxy (plain http here): never.
    assertEquals(java.util.Optional.empty(), selector.proxyAuthorization(URI.create("https://internal.example/")));
    assertEquals(java.util.Optional.empty(), selector.proxyAuthorization(URI.create("http://169.254.169.254/x")));
    assertEquals(java.util.Optional.empty(), selector.proxyAuthorization(URI.create("http://example.com/")));
  }

  @Test
  void proxyPasswordNeverShowsInToString() {
    Transport t =
        new Transport(HttpSettings.defaults(), Map.of("https_proxy", "http://alice:pr0xy-p%40ss@proxy:3128"), JVM);
    assertTrue(t.toString().contains("http://alice:****@proxy:3128"), t.toString());
    assertFalse(t.toString().contains("pr0xy"), t.toString());
  }

  // ---------------------------------------------------------------- requests

  @Test
  void sendAddsTelemetryUserAgentAndKeepsCallerHeaders() throws Exception {
    try (TokenServiceFake fake = new TokenServiceFake()) {
      fake.on("/v2/", TokenServiceFake.Reply.json(200, "{}"));
      Transport t = new Transport(LOOPBACK_HTTP, Map.of());
      HttpResponse<String> r =
          t.send(HttpRequest.newBuilder(URI.create(fake.origin() + "/v2/")).header("Accept", "application/json"), "azure/jenkins");
      assertEquals(200, r.statusCode());
      TokenServiceFake.Received got = fake.requests().get(0);
      assertEquals("azure/jenkins", got.header("X-Meta-Source-Client"));
      assertEquals(Transport.userAgent(), got.header("User-Agent"));
      assertTrue(Transport.userAgent().matches("acr-login/\\S+"), Transport.userAgent());
      assertEquals("application/json", got.header("Accept"));
    }
  }

  @Test
  void sendWithoutTelemetryOmitsTheHeader() throws Exception {
    try (TokenServiceFake fake = new TokenServiceFake()) {
      fake.on("/v2/", TokenServiceFake.Reply.json(200, "{}"));
      new Transport(LOOPBACK_HTTP, Map.of()).send(HttpRequest.newBuilder(URI.create(fake.origin() + "/v2/")), null);
      assertNull(fake.requests().get(0).header("X-Meta-Source-Client"));
    }
  }

  @Test
  void plainHttpToAnotherHostIsRefusedWithoutQuotingTheQuery() {
    Transport t = new Transport(LOOPBACK_HTTP, Map.of());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> t.send(HttpRequest.newBuilder(URI.create("http://x.azurecr.io/oauth2/token?password=s3cret-v4lue")), "azure/x"));
    assertEquals(
        "Refusing to send a request to http://x.azurecr.io: only https is allowed (plain http only to loopback,"
            + " when enabled for tests)",
        e.getMessage());
  }

  @Test
  void plainHttpToLoopbackIsRefusedUnlessEnabled() {
    Transport t = new Transport(HttpSettings.defaults(), Map.of());
    assertThrows(
        IllegalArgumentException.class,
        () -> t.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/v2/")), null));
    new Transport(LOOPBACK_HTTP, Map.of()).checkAllowed(URI.create("http://localhost:1/v2/"));
    new Transport(LOOPBACK_HTTP, Map.of()).checkAllowed(URI.create("http://[::1]:1/v2/"));
    new Transport(HttpSettings.defaults(), Map.of()).checkAllowed(URI.create("https://x.azurecr.io/v2/"));
  }

  @Test
  void slowAnswerFailsAfterTheReadTimeout() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", ex -> {
      try {
        Thread.sleep(1500);
        ex.sendResponseHeaders(200, -1);
      } catch (InterruptedException | IOException e) {
        // The client is gone.
      }
      ex.close();
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    try {
      Transport t =
          new Transport(
              HttpSettings.builder().plainHttpOnLoopback(true).readTimeout(Duration.ofMillis(200)).build(), Map.of());
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v2/");
      assertThrows(HttpTimeoutException.class, () -> t.send(HttpRequest.newBuilder(uri), null));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void proxyCredentialsGoToTheProxyOnlyAndAzureClientUsesTheSameProxy() throws Exception {
    List<String> proxyAuth = new CopyOnWriteArrayList<>();
    List<String> targets = new CopyOnWriteArrayList<>();
    HttpServer proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    proxy.createContext("/", ex -> {
      targets.add(ex.getRequestURI().toString());
      String auth = ex.getRequestHeaders().getFirst("Proxy-Authorization");
      if (auth == null) {
        ex.getResponseHeaders().add("Proxy-Authenticate", "Basic realm=\"corp\"");
        ex.sendResponseHeaders(407, -1);
      } else {
        proxyAuth.add(auth);
        byte[] body = "proxied".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream os = ex.getResponseBody()) {
          os.write(body);
        }
      }
      ex.close();
    });
    proxy.start();
    try (TokenServiceFake registry = new TokenServiceFake()) {
      registry.on("/v2/", new TokenServiceFake.Reply(401, Map.of("WWW-Authenticate", "Basic realm=\"reg\""), ""));
      String proxyUrl = "http://alice:s%3Acret@127.0.0.1:" + proxy.getAddress().getPort();
      Transport t = new Transport(LOOPBACK_HTTP, Map.of("http_proxy", proxyUrl, "https_proxy", proxyUrl));

      // Azure Identity's client goes through our proxy, with the URL's credentials sent pre-emptively.
      com.azure.core.http.HttpClient azure = t.azureHttpClient();
      try (com.azure.core.http.HttpResponse r =
          azure.sendSync(
              new com.azure.core.http.HttpRequest(HttpMethod.GET, "http://entra.example/token"), Context.NONE)) {
        assertEquals(200, r.getStatusCode());
        assertEquals("proxied", r.getBodyAsBinaryData().toString());
      }
      assertEquals(List.of("http://entra.example/token"), targets);
      assertEquals(
          List.of("Basic " + Base64.getEncoder().encodeToString("alice:s:cret".getBytes(StandardCharsets.UTF_8))),
          proxyAuth);

      // A registry's Basic 401 (loopback, direct) never gets the proxy credentials.
      HttpResponse<String> r = t.send(HttpRequest.newBuilder(URI.create(registry.origin() + "/v2/")), null);
      assertEquals(401, r.statusCode());
      assertEquals(1, registry.requests().size());
      assertNull(registry.requests().get(0).header("Authorization"));
      assertNull(registry.requests().get(0).header("Proxy-Authorization"));
    } finally {
      proxy.stop(0);
    }
  }

  // ---------------------------------------------------------------- telemetry

  @Test
  void telemetryValueIsCloudPrefixAndClient() {
    assertEquals("azure/jenkins", Transport.telemetryValue(Registry.parse("myregistry.azurecr.io"), "jenkins"));
    assertEquals("china/maven", Transport.telemetryValue(Registry.parse("myregistry.azurecr.cn"), "maven"));
    assertEquals("azureusgov/jenkins/pipeline",
        Transport.telemetryValue(Registry.parse("myregistry.azurecr.us"), "jenkins/pipeline"));
    AzureCloud stack = AzureCloud.builder(AzureCloud.PUBLIC).loginServerSuffix(".azurecr.local").build();
    assertEquals("azurestack/maven", Transport.telemetryValue(Registry.parse("reg01.azurecr.local", stack), "maven"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "jenkins\r\nX-Evil: 1", "/jenkins", "jenkins/", "a b"})
  void telemetryClientWithOddCharactersIsRejected(String client) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Transport.telemetryValue(Registry.parse("myregistry"), client));
    assertTrue(e.getMessage().startsWith("Invalid telemetry client"), e.getMessage());
  }
}
