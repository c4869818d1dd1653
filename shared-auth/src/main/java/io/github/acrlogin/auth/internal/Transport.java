package io.github.acrlogin.auth.internal;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.util.Configuration;
import com.azure.core.util.Context;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;

/**
 * The one HTTP transport of shared-auth: a JDK {@link HttpClient} configured from {@link HttpSettings} and
 * the environment, used for the ACR calls and, through {@link #azureHttpClient()}, by Azure Identity for the
 * Entra hop, so both follow the same timeouts, TLS trust and proxy rules.
 *
 * <p>Proxies: {@code https_proxy}/{@code HTTPS_PROXY} (and {@code http_proxy}/{@code HTTP_PROXY} for plain
 * http) from the injected environment, except for hosts that {@code no_proxy}/{@code NO_PROXY} lists;
 * without them, the JVM's {@code https.proxyHost} settings ({@link ProxySelector#getDefault()}). Loopback and
 * link-local addresses (the managed identity endpoint {@code 169.254.169.254}) never go through a proxy.
 * Proxy credentials may be given in the URL ({@code http://user:pass@proxy:3128}); they are sent pre-emptively
 * as {@code Proxy-Authorization}, only on requests that this proxy carries (the JDK strips the header from
 * direct connections and from the request inside a tunnel). Note that the JDK drops Basic proxy credentials
 * on HTTPS tunnels unless {@code -Djdk.http.auth.tunneling.disabledSchemes=} is set, as for every JDK HTTP
 * client. A JDK {@code java.net.Authenticator} is deliberately not used: with one installed, a registry's
 * {@code 401 Basic} answer becomes an {@code IOException} ("No credentials provided") instead of a response.
 *
 * <p>Only {@code https} is allowed, except {@code http} to a loopback address when
 * {@link HttpSettings#plainHttpOnLoopback()} says so (tests). Redirects are never followed, so credentials
 * are never forwarded to another host.
 */
public final class Transport {

  /** The telemetry header ACR reads (ACR-PROTOCOL.md section 6). */
  public static final String TELEMETRY_HEADER = "X-Meta-Source-Client";

  private static final String PROXY_AUTHORIZATION = "Proxy-Authorization";

  private static final String USER_AGENT = "acr-login/" + version();
  private static final Pattern CLIENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*");

  private final HttpSettings settings;
  private final EnvironmentProxySelector proxySelector;
  private final HttpClient client;
  private com.azure.core.http.HttpClient azureClient;

  /**
   * A transport for {@code settings}, taking proxy settings from {@code environment}.
   *
   * @param environment environment variables (pass {@code System.getenv()} in production, a map in tests)
   * @throws IllegalArgumentException if a proxy variable is not a usable proxy URL
   */
  public Transport(HttpSettings settings, Map<String, String> environment) {
    this(settings, environment, ProxySelector.getDefault());
  }

  Transport(HttpSettings settings, Map<String, String> environment, ProxySelector fallback) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.proxySelector = new EnvironmentProxySelector(Objects.requireNonNull(environment, "environment"), fallback);
    this.client = newClientBuilder().build();
  }

  // Called once for our client and once for Azure's (whose builder changes the one it is given).
  private HttpClient.Builder newClientBuilder() {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .proxy(proxySelector);
    settings.sslContext().ifPresent(b::sslContext);
    return b;
  }

  public HttpSettings settings() {
    return settings;
  }

  /** The proxy selector both clients use. */
  public ProxySelector proxySelector() {
    return proxySelector;
  }

  /** {@code acr-login/<version>}. */
  public static String userAgent() {
    return USER_AGENT;
  }

  /**
   * Azure core's HTTP client over the same JDK client settings, for Azure Identity's credential builders
   * ({@code .httpClient(...)}). Azure's own proxy discovery is switched off so that ours applies.
   */
  public synchronized com.azure.core.http.HttpClient azureHttpClient() {
    if (azureClient == null) {
      com.azure.core.http.HttpClient jdk =
          new JdkHttpClientBuilder(newClientBuilder())
              .configuration(Configuration.NONE)
              .connectionTimeout(settings.connectTimeout())
              .responseTimeout(settings.readTimeout())
              .readTimeout(settings.readTimeout())
              .build();
      azureClient = proxySelector.hasCredentials() ? new ProxyAuthorizing(jdk, proxySelector) : jdk;
    }
    return azureClient;
  }

  /**
   * Sends a request with the telemetry header, the user agent and the read timeout.
   *
   * @param telemetry the {@code X-Meta-Source-Client} value (see {@link #telemetryValue}); null for none
   * @throws IllegalArgumentException for a URI that is not {@code https} (or allowed loopback {@code http})
   */
  public HttpResponse<String> send(HttpRequest.Builder request, String telemetry)
      throws IOException, InterruptedException {
    checkAllowed(request.build().uri());
    // User-Agent and X-Meta-Source-Client are not among the JDK's restricted headers (Host, Connection,
    // Content-Length, Expect, Upgrade, ...), so setHeader works; the body publisher sets Content-Length.
    HttpRequest.Builder b = request.copy().timeout(settings.readTimeout()).setHeader("User-Agent", USER_AGENT);
    if (telemetry != null) {
      b.setHeader(TELEMETRY_HEADER, telemetry);
    }
    proxySelector.proxyAuthorization(request.build().uri()).ifPresent(v -> b.setHeader(PROXY_AUTHORIZATION, v));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Checks that a request to {@code uri} is allowed: {@code https}, or {@code http} to loopback when the
   * settings allow it.
   *
   * @throws IllegalArgumentException otherwise, naming the origin
   */
  public void checkAllowed(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("Refusing a request without a host: " + origin(uri));
    }
    if (scheme.equals("https")) {
      return;
    }
    if (scheme.equals("http") && isLoopback(uri.getHost()) && settings.plainHttpOnLoopback()) {
      return;
    }
    throw new IllegalArgumentException(
        "Refusing to send a request to "
            + origin(uri)
            + ": only https is allowed (plain http only to loopback, when enabled for tests)");
  }

  /** Scheme, host and port of {@code uri}: what is safe to log (no user info, path or query). */
  public static String origin(URI uri) {
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  /** {@code uri} without its query and fragment, for log lines. */
  public static String withoutQuery(URI uri) {
    return origin(uri) + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  /** The one rule for client names: letters, digits, {@code . _ -}, and {@code /} between parts. */
  public static boolean isValidClientName(String client) {
    return client != null && CLIENT.matcher(client).matches();
  }

  /**
   * The {@code X-Meta-Source-Client} value: the cloud's prefix and the client, e.g. {@code azure/jenkins}.
   *
   * @param client the wrapper's name, e.g. {@code jenkins} or {@code maven}, optionally with sub-parts
   * @throws IllegalArgumentException for an empty client or one with characters a header value should not
   *     carry
   */
  public static String telemetryValue(Registry registry, String client) {
    if (!isValidClientName(client)) {
      throw new IllegalArgumentException(
          "Invalid telemetry client '" + client + "': use letters, digits, . _ - and / between parts, e.g. jenkins");
    }
    return registry.cloud().telemetryPrefix() + "/" + client;
  }

  /** True for {@code localhost}, {@code 127.0.0.0/8} and {@code ::1}. */
  public static boolean isLoopback(String host) {
    String h = normalizeHost(host);
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    return ipLiteral(h).map(InetAddress::isLoopbackAddress).orElse(false);
  }

  /** True for link-local addresses: {@code 169.254.0.0/16} (IMDS is {@code 169.254.169.254}), {@code fe80::/10}. */
  public static boolean isLinkLocal(String host) {
    return ipLiteral(normalizeHost(host)).map(InetAddress::isLinkLocalAddress).orElse(false);
  }

  private static String normalizeHost(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    while (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }

  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  // Only literals: never resolve a name here (a DNS lookup per proxy decision would be slow and leak).
  static Optional<InetAddress> ipLiteral(String host) {
    try {
      if (IPV4.matcher(host).matches()) {
        String[] parts = host.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
          int octet = Integer.parseInt(parts[i]);
          if (octet > 255) {
            return Optional.empty();
          }
          b[i] = (byte) octet;
        }
        return Optional.of(InetAddress.getByAddress(b));
      }
      // With a ':' the JDK parses an IPv6 literal and never asks DNS.
      if (host.contains(":")) {
        return Optional.of(InetAddress.getByName(host));
      }
    } catch (UnknownHostException | RuntimeException e) {
      // Not a literal.
    }
    return Optional.empty();
  }

  private static String version() {
    try (InputStream in =
        Transport.class.getResourceAsStream("/META-INF/maven/io.github.acrlogin/acr-login-auth/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.isBlank()) {
          return v.trim();
        }
      }
    } catch (IOException e) {
      // Fall through to the manifest.
    }
    String v = Transport.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }

  @Override
  public String toString() {
    return "Transport{" + settings + ", " + proxySelector + "}";
  }

  // ---------------------------------------------------------------- proxies

  /** A proxy from a URL such as {@code http://user:pass@proxy:3128}; the password is kept as a {@link Secret}. */
  static final class ProxyAddress {
    final String host;
    final int port;
    final String user;
    final Secret password;

    ProxyAddress(String host, int port, String user, Secret password) {
      this.host = host;
      this.port = port;
      this.user = user;
      this.password = password;
    }

    InetSocketAddress address() {
      return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
      return "http://" + (user != null ? user + ":****@" : "") + host + ":" + port;
    }
  }

  /**
   * Chooses the proxy per request from environment variables, falling back to the JVM's selector; see the
   * class comment for the rules.
   */
  static final class EnvironmentProxySelector extends ProxySelector {
    private final ProxyAddress httpsProxy;
    private final ProxyAddress httpProxy;
    private final NoProxy noProxy;
    private final ProxySelector fallback;

    EnvironmentProxySelector(Map<String, String> env, ProxySelector fallback) {
      List<String> problems = new ArrayList<>();
      this.httpsProxy = parseProxy(env, problems, "https_proxy", "HTTPS_PROXY");
      this.httpProxy = parseProxy(env, problems, "http_proxy", "HTTP_PROXY");
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid proxy settings: " + String.join("; ", problems));
      }
      this.noProxy = NoProxy.parse(first(env, "no_proxy", "NO_PROXY"));
      this.fallback = fallback;
    }

    boolean hasCredentials() {
      return (httpsProxy != null && httpsProxy.user != null) || (httpProxy != null && httpProxy.user != null);
    }

    /**
     * The {@code Proxy-Authorization} value for a request to {@code uri}: only when this selector sends it
     * through an environment proxy that has credentials, so they never reach another proxy or a server.
     */
    Optional<String> proxyAuthorization(URI uri) {
      if (!hasCredentials() || uri.getHost() == null) {
        return Optional.empty();
      }
      List<Proxy> chosen = select(uri);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      ProxyAddress p = scheme.equals("http") ? httpProxy : scheme.equals("https") ? httpsProxy : null;
      if (p == null || p.user == null || chosen.isEmpty() || !p.address().equals(chosen.get(0).address())) {
        return Optional.empty();
      }
      String pair = p.user + ":" + p.password.reveal();
      return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public List<Proxy> select(URI uri) {
      if (uri == null) {
        throw new IllegalArgumentException("uri is null");
      }
      String host = uri.getHost();
      if (host == null) {
        return List.of(Proxy.NO_PROXY);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      // The managed identity endpoint and local services are on this machine (or its host); a proxy cannot
      // reach them and must not see their tokens.
      if (isLoopback(host) || isLinkLocal(host)) {
        return List.of(Proxy.NO_PROXY);
      }
      int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("http") ? 80 : 443;
      if (noProxy.matches(normalizeHost(host), port)) {
        return List.of(Proxy.NO_PROXY);
      }
      ProxyAddress p = scheme.equals("http") ? httpProxy : scheme.equals("https") ? httpsProxy : null;
      if (p != null) {
        return List.of(new Proxy(Proxy.Type.HTTP, p.address()));
      }
      if (fallback == null) {
        return List.of(Proxy.NO_PROXY);
      }
      List<Proxy> chosen = fallback.select(uri);
      return chosen == null || chosen.isEmpty() ? List.of(Proxy.NO_PROXY) : chosen;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
      if (fallback != null) {
        fallback.connectFailed(uri, sa, ioe);
      }
    }

    @Override
    public String toString() {
      return "proxies{https=" + httpsProxy + ", http=" + httpProxy + ", no_proxy=" + noProxy + "}";
    }

    private static String first(Map<String, String> env, String... names) {
      for (String n : names) {
        String v = env.get(n);
        if (v != null && !v.isBlank()) {
          return v.trim();
        }
      }
      return null;
    }

    // Accepts http://[user:pass@]host[:port][/] and host[:port] (curl's habit); an https:// or socks proxy is
    // refused because the JDK client speaks only plain HTTP to proxies.
    private static ProxyAddress parseProxy(Map<String, String> env, List<String> problems, String... names) {
      String value = first(env, names);
      if (value == null) {
        return null;
      }
      String name = env.get(names[0]) != null && !env.get(names[0]).isBlank() ? names[0] : names[1];
      String v = value.contains("://") ? value : "http://" + value;
      URI uri;
      try {
        uri = URI.create(v);
      } catch (IllegalArgumentException e) {
        problems.add(name + " is not a URL; use http://host:port");
        return null;
      }
      if (!"http".equalsIgnoreCase(uri.getScheme())) {
        problems.add(name + " uses " + uri.getScheme() + "://, which the JDK client cannot use; use http://host:port");
        return null;
      }
      if (uri.getHost() == null) {
        problems.add(name + " has no host; use http://host:port");
        return null;
      }
      String user = null;
      Secret password = null;
      String info = uri.getRawUserInfo();
      if (info != null && !info.isEmpty()) {
        int colon = info.indexOf(':');
        user = URLDecoder.decode(colon < 0 ? info : info.substring(0, colon), StandardCharsets.UTF_8);
        String pw = colon < 0 ? "" : URLDecoder.decode(info.substring(colon + 1), StandardCharsets.UTF_8);
        password = pw.isEmpty() ? null : Secret.of(pw);
        if (password == null) {
          problems.add(name + " names a proxy user without a password; use http://user:password@host:port");
          return null;
        }
      }
      int port = uri.getPort() >= 0 ? uri.getPort() : 80;
      return new ProxyAddress(normalizeHost(uri.getHost()), port, user, password);
    }
  }

  /** Azure core's client with our {@code Proxy-Authorization} on the requests our proxy carries. */
  private static final class ProxyAuthorizing implements com.azure.core.http.HttpClient {
    private static final HttpHeaderName HEADER = HttpHeaderName.PROXY_AUTHORIZATION;
    private final com.azure.core.http.HttpClient delegate;
    private final EnvironmentProxySelector proxies;

    ProxyAuthorizing(com.azure.core.http.HttpClient delegate, EnvironmentProxySelector proxies) {
      this.delegate = delegate;
      this.proxies = proxies;
    }

    private com.azure.core.http.HttpRequest authorize(com.azure.core.http.HttpRequest request) {
      try {
        proxies.proxyAuthorization(request.getUrl().toURI()).ifPresent(v -> request.setHeader(HEADER, v));
      } catch (java.net.URISyntaxException e) {
        // Not a URI the selector can judge; send it without proxy credentials.
      }
      return request;
    }

    @Override
    public Mono<com.azure.core.http.HttpResponse> send(com.azure.core.http.HttpRequest request) {
      return delegate.send(authorize(request));
    }

    @Override
    public Mono<com.azure.core.http.HttpResponse> send(com.azure.core.http.HttpRequest request, Context context) {
      return delegate.send(authorize(request), context);
    }

    @Override
    public com.azure.core.http.HttpResponse sendSync(com.azure.core.http.HttpRequest request, Context context) {
      return delegate.sendSync(authorize(request), context);
    }
  }

  /**
   * A {@code no_proxy} list: {@code *}; host names matching themselves and their subdomains
   * ({@code example.com}, {@code .example.com}, {@code *.example.com}); {@code host:port}; IP addresses; and
   * CIDR blocks ({@code 10.0.0.0/8}, {@code fd00::/8}) matched against IP literals.
   */
  static final class NoProxy {
    private final boolean all;
    private final List<String[]> hosts; // {suffix-or-host, port or null}
    private final List<byte[][]> cidrs; // {network, mask}
    private final String text;

    private NoProxy(boolean all, List<String[]> hosts, List<byte[][]> cidrs, String text) {
      this.all = all;
      this.hosts = hosts;
      this.cidrs = cidrs;
      this.text = text;
    }

    static NoProxy parse(String value) {
      boolean all = false;
      List<String[]> hosts = new ArrayList<>();
      List<byte[][]> cidrs = new ArrayList<>();
      if (value != null) {
        for (String raw : value.split("[,\\s]+")) {
          String e = raw.trim().toLowerCase(Locale.ROOT);
          if (e.isEmpty()) {
            continue;
          }
          if (e.equals("*")) {
            all = true;
            continue;
          }
          if (e.contains("/")) {
            byte[][] cidr = cidr(e);
            if (cidr != null) {
              cidrs.add(cidr);
            }
            continue;
          }
          String port = null;
          if (e.startsWith("[")) {
            int close = e.indexOf(']');
            if (close < 0) {
              continue;
            }
            if (e.length() > close + 2 && e.charAt(close + 1) == ':') {
              port = e.substring(close + 2);
            }
            e = e.substring(1, close);
          } else if (e.indexOf(':') >= 0 && e.indexOf(':') == e.lastIndexOf(':')) {
            port = e.substring(e.indexOf(':') + 1);
            e = e.substring(0, e.indexOf(':'));
          }
          if (e.startsWith("*.")) {
            e = e.substring(1);
          }
          while (e.length() > 1 && e.endsWith(".")) {
            e = e.substring(0, e.length() - 1);
          }
          if (port != null && !port.matches("[0-9]{1,5}")) {
            continue;
          }
          hosts.add(new String[] {canonicalIp(e), port});
        }
      }
      return new NoProxy(all, List.copyOf(hosts), List.copyOf(cidrs), value == null ? "" : value);
    }

    boolean matches(String host, int port) {
      if (all) {
        return true;
      }
      String h = canonicalIp(host);
      for (String[] entry : hosts) {
        if (entry[1] != null && Integer.parseInt(entry[1]) != port) {
          continue;
        }
        String e = entry[0];
        String bare = e.startsWith(".") ? e.substring(1) : e;
        if (h.equals(bare) || h.endsWith(e.startsWith(".") ? e : "." + e)) {
          return true;
        }
      }
      if (!cidrs.isEmpty()) {
        Optional<InetAddress> ip = ipLiteral(h);
        if (ip.isPresent()) {
          byte[] a = ip.get().getAddress();
          for (byte[][] c : cidrs) {
            if (c[0].length == a.length && inNetwork(a, c[0], c[1])) {
              return true;
            }
          }
        }
      }
      return false;
    }

    // IPv6 literals have many spellings; compare their canonical form.
    private static String canonicalIp(String host) {
      if (host.contains(":")) {
        return ipLiteral(host).map(InetAddress::getHostAddress).orElse(host);
      }
      return host;
    }

    private static byte[][] cidr(String e) {
      int slash = e.indexOf('/');
      String bits = e.substring(slash + 1);
      Optional<InetAddress> net = ipLiteral(e.substring(0, slash));
      if (net.isEmpty() || !bits.matches("[0-9]{1,3}")) {
        return null;
      }
      byte[] addr = net.get().getAddress();
      int prefix = Integer.parseInt(bits);
      if (prefix > addr.length * 8) {
        return null;
      }
      byte[] mask = new byte[addr.length];
      for (int i = 0; i < prefix; i++) {
        mask[i / 8] |= (byte) (0x80 >>> (i % 8));
      }
      return new byte[][] {addr, mask};
    }

    private static boolean inNetwork(byte[] a, byte[] net, byte[] mask) {
      for (int i = 0; i < a.length; i++) {
        if ((a[i] & mask[i]) != (net[i] & mask[i])) {
          return false;
        }
      }
      return true;
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
