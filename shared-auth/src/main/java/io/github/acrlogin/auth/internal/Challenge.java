package io.github.acrlogin.auth.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235): a scheme such as {@code bearer} or
 * {@code basic} with its parameters ({@code realm}, {@code service}, {@code scope}, {@code error}).
 *
 * <p>Scheme and parameter names are case-insensitive on the wire, so both are kept lowercase. Challenges carry
 * no secrets, so {@link #toString()} shows everything.
 */
public final class Challenge {

  /** The scheme of registry token authentication. */
  public static final String BEARER = "bearer";
  /** The scheme of username/password authentication. */
  public static final String BASIC = "basic";

  private final String scheme;
  private final Map<String, String> params;
  private final String token68;

  /**
   * A challenge with parameters.
   *
   * @param scheme auth scheme, any case
   * @param params parameters; names are compared case-insensitively (the first of duplicates wins)
   */
  public Challenge(String scheme, Map<String, String> params) {
    this(scheme, params, null);
  }

  private Challenge(String scheme, Map<String, String> params, String token68) {
    Objects.requireNonNull(scheme, "scheme");
    if (scheme.isBlank()) {
      throw new IllegalArgumentException("A challenge needs a scheme, e.g. Bearer");
    }
    this.scheme = scheme.trim().toLowerCase(Locale.ROOT);
    Map<String, String> copy = new LinkedHashMap<>();
    Objects.requireNonNull(params, "params")
        .forEach(
            (k, v) ->
                copy.putIfAbsent(
                    Objects.requireNonNull(k, "parameter name").toLowerCase(Locale.ROOT),
                    Objects.requireNonNull(v, "parameter value")));
    this.params = Collections.unmodifiableMap(copy);
    this.token68 = token68;
  }

  /** A challenge whose data is a single token68 ({@code Negotiate abc==}) instead of parameters. */
  public static Challenge withToken68(String scheme, String token68) {
    return new Challenge(scheme, Map.of(), Objects.requireNonNull(token68, "token68"));
  }

  /** Lowercase scheme, e.g. {@code bearer}. */
  public String scheme() {
    return scheme;
  }

  /** True for the {@code Bearer} scheme (registry token authentication). */
  public boolean isBearer() {
    return scheme.equals(BEARER);
  }

  /** True for the {@code Basic} scheme. */
  public boolean isBasic() {
    return scheme.equals(BASIC);
  }

  /** All parameters, with lowercase names, in header order. */
  public Map<String, String> params() {
    return params;
  }

  /** A parameter by case-insensitive name. */
  public Optional<String> param(String name) {
    return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT)));
  }

  /** The token68 form of the challenge data, if it had one instead of parameters. */
  public Optional<String> token68() {
    return Optional.ofNullable(token68);
  }

  /**
   * The realm as an absolute {@code http(s)} URL; empty when missing or not a URL (Basic realms are names,
   * e.g. {@code "Azure Container Registry"}).
   */
  public Optional<URI> realm() {
    return param("realm").flatMap(Challenge::httpUrl);
  }

  /** The {@code service} parameter (for ACR: the login server). */
  public Optional<String> service() {
    return param("service").filter(s -> !s.isBlank());
  }

  /** The {@code scope} parameter split on spaces; empty when absent. */
  public List<String> scopes() {
    return param("scope")
        .map(s -> Arrays.stream(s.trim().split("\\s+")).filter(x -> !x.isEmpty()).toList())
        .orElse(List.of());
  }

  /** ACR's exchange endpoint: the realm's origin + {@code /oauth2/exchange}. */
  public URI exchangeUri() {
    return originPlus("/oauth2/exchange");
  }

  /** ACR's token endpoint: the realm's origin + {@code /oauth2/token}. */
  public URI tokenUri() {
    return originPlus("/oauth2/token");
  }

  // Same origin as the realm, never a hard-coded host: this is also what lets tests run the token service
  // on another port. User info in the realm is dropped; it has no business in an endpoint we post tokens to.
  private URI originPlus(String path) {
    URI realm =
        realm()
            .orElseThrow(
                () -> new IllegalStateException("The " + scheme + " challenge has no realm URL: " + this));
    try {
      return new URI(realm.getScheme().toLowerCase(Locale.ROOT), null, realm.getHost(), realm.getPort(), path, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("Cannot derive " + path + " from realm " + realm, e);
    }
  }

  private static Optional<URI> httpUrl(String value) {
    try {
      URI uri = new URI(value.trim());
      String s = uri.getScheme();
      if (uri.isAbsolute()
          && uri.getHost() != null
          && (s.equalsIgnoreCase("https") || s.equalsIgnoreCase("http"))) {
        return Optional.of(uri);
      }
    } catch (URISyntaxException e) {
      // A realm that is a name rather than a URL.
    }
    return Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Challenge
        && ((Challenge) o).scheme.equals(scheme)
        && ((Challenge) o).params.equals(params)
        && Objects.equals(((Challenge) o).token68, token68);
  }

  @Override
  public int hashCode() {
    return Objects.hash(scheme, params, token68);
  }

  /** In header syntax, e.g. {@code Bearer realm="https://x.azurecr.io/oauth2/token",service="x.azurecr.io"}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    s.append(Character.toUpperCase(scheme.charAt(0))).append(scheme.substring(1));
    if (token68 != null) {
      return s.append(' ').append(token68).toString();
    }
    String sep = " ";
    for (Map.Entry<String, String> e : params.entrySet()) {
      s.append(sep).append(e.getKey()).append("=\"");
      s.append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      sep = ",";
    }
    return s.toString();
  }
}
