package io.github.acrlogin.auth.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Reason;
import io.github.acrlogin.auth.Redaction;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Scope;
import io.github.acrlogin.auth.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * ACR's side of the login, on the wire (ACR-PROTOCOL.md sections 1, 3, 4 and 5): challenge discovery on
 * {@code /v2/}, the exchange of an Entra token for a refresh token, access tokens for exact scopes, and
 * access tokens for username/password logins.
 *
 * <p>Every failure becomes an {@link AcrAuthException} whose {@link Reason} says why and what to do; server
 * detail passes through {@link Redaction} (and the secrets of the call are masked by value as well). Each
 * round trip is logged as a debug {@link AuthEvent} with method, URL without query, status and time; no log
 * line or message ever contains a token or password. {@code 429} and {@code 5xx} answers and transient I/O
 * failures are retried per the {@link RetryPolicy}.
 */
public final class TokenServiceClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FORM = "application/x-www-form-urlencoded";
  private static final int MAX_DETAIL = 400;

  // What ACR says in its error bodies (ACR-PROTOCOL.md section 7).
  private static final Pattern FIREWALL =
      Pattern.compile("(?i)client with ip|not allowed access|aka\\.ms/acr/firewall|firewall");
  private static final Pattern MISSING_ROLE = Pattern.compile("(?i)retrieving permissions failed");
  private static final Pattern ARM_DISALLOWED = Pattern.compile("(?i)arm aad token disallowed");

  private final Transport transport;
  private final RetryPolicy retry;
  private final String telemetryClient;
  private final Consumer<AuthEvent> events;

  /**
   * @param telemetryClient the client part of {@code X-Meta-Source-Client}, e.g. {@code jenkins}
   * @throws IllegalArgumentException for an invalid telemetry client name
   */
  public TokenServiceClient(
      Transport transport, RetryPolicy retry, String telemetryClient, Consumer<AuthEvent> events) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.events = Objects.requireNonNull(events, "events");
    // Validates the name now rather than on the first request.
    Transport.telemetryValue(Registry.parse("example.azurecr.io"), telemetryClient);
    this.telemetryClient = telemetryClient;
  }

  /**
   * Asks the registry how to authenticate: {@code GET /v2/} without credentials.
   *
   * @return the Bearer challenge (with its realm), or a Basic one when the registry only offers Basic
   * @throws AcrAuthException FIREWALL, NOT_ACR, UNREACHABLE, TLS, THROTTLED or SERVICE_UNAVAILABLE
   */
  public Challenge discover(Registry registry, CredentialSource source) throws AcrAuthException {
    Op op = new Op("ACR challenge discovery", registry, null, source);
    URI uri = baseUri(registry).resolve("/v2/");
    HttpResponse<String> response = roundTrip(op, HttpRequest.newBuilder(uri).GET(), uri);
    int status = response.statusCode();
    if (status == 401) {
      List<Challenge> challenges;
      try {
        challenges = ChallengeParser.parseAll(response.headers().allValues("WWW-Authenticate"));
      } catch (IllegalArgumentException e) {
        throw op.fail(Reason.NOT_ACR, e.getMessage(), null);
      }
      Optional<Challenge> bearer = challenges.stream().filter(Challenge::isBearer).findFirst();
      if (bearer.isPresent()) {
        if (bearer.get().realm().isEmpty()) {
          throw op.fail(Reason.NOT_ACR, "the Bearer challenge names no token service (realm URL): " + bearer.get(), null);
        }
        events.accept(AuthEvent.debug(registry + " asks for " + bearer.get()));
        return bearer.get();
      }
      Optional<Challenge> basic = challenges.stream().filter(Challenge::isBasic).findFirst();
      if (basic.isPresent()) {
        events.accept(AuthEvent.debug(registry + " asks for " + basic.get()));
        return basic.get();
      }
      throw op.fail(
          Reason.NOT_ACR,
          challenges.isEmpty()
              ? "GET /v2/ answered 401 without a WWW-Authenticate challenge"
              : "GET /v2/ asks for unsupported authentication: "
                  + challenges.stream().map(Challenge::scheme).collect(Collectors.joining(", ")),
          null);
    }
    if (status == 403) {
      // Without credentials, only the network rules can refuse us.
      throw op.fail(Reason.FIREWALL, detail(response), null);
    }
    if (status >= 200 && status < 300) {
      throw op.fail(Reason.NOT_ACR, "GET /v2/ answered " + status + " without asking for credentials", null);
    }
    throw unexpected(op, response);
  }

  /**
   * Exchanges a Microsoft Entra token for an ACR refresh token: {@code POST <realm origin>/oauth2/exchange}.
   *
   * @param tenant the Entra tenant id, sent when not null (as the Azure CLI does)
   * @throws AcrAuthException ARM_TOKEN_DISALLOWED, TOKEN_REJECTED, MISSING_ROLE, FIREWALL, PROTOCOL, ...
   */
  public Secret exchange(
      Registry registry, Challenge challenge, Secret entraToken, String tenant, CredentialSource source)
      throws AcrAuthException {
    Objects.requireNonNull(entraToken, "entraToken");
    Op op = new Op("ACR token exchange", registry, null, source, entraToken);
    URI uri = bearerEndpoint(op, challenge, true);
    List<String[]> form = new ArrayList<>();
    form.add(new String[] {"grant_type", "access_token"});
    form.add(new String[] {"service", service(registry, challenge)});
    if (tenant != null && !tenant.isBlank()) {
      form.add(new String[] {"tenant", tenant});
    }
    form.add(new String[] {"access_token", entraToken.reveal()});
    HttpResponse<String> response = roundTrip(op, post(uri, form), uri);
    int status = response.statusCode();
    if (status == 200) {
      Secret refresh = tokenField(op, response, "refresh_token");
      events.accept(AuthEvent.debug("Exchanged the Entra token for an ACR refresh token for " + registry));
      return refresh;
    }
    if (status == 401) {
      if (ARM_DISALLOWED.matcher(response.body()).find()) {
        throw op.fail(Reason.ARM_TOKEN_DISALLOWED, detail(response, entraToken), null);
      }
      throw op.fail(
          Reason.TOKEN_REJECTED,
          detail(response, entraToken),
          "check that the Entra token is for the ACR audience (https://containerregistry.azure.net/.default)"
              + " and from the registry's tenant, and that the machine's clock is right",
          null);
    }
    if (status == 403) {
      throw forbidden(op, response, Reason.MISSING_ROLE);
    }
    throw unexpected(op, response);
  }

  /**
   * An access token for exact scopes from a refresh token: {@code POST <realm origin>/oauth2/token}.
   *
   * @throws AcrAuthException TOKEN_REJECTED (the caller may log in again once), MISSING_ROLE, FIREWALL, ...
   */
  public Secret accessToken(
      Registry registry, Challenge challenge, Secret refreshToken, Collection<Scope> scopes, CredentialSource source)
      throws AcrAuthException {
    Objects.requireNonNull(refreshToken, "refreshToken");
    TreeSet<Scope> sorted = new TreeSet<>(scopes);
    Op op = new Op("ACR access token", registry, scopeText(sorted), source, refreshToken);
    URI uri = bearerEndpoint(op, challenge, false);
    List<String[]> form = new ArrayList<>();
    form.add(new String[] {"grant_type", "refresh_token"});
    form.add(new String[] {"service", service(registry, challenge)});
    for (Scope s : sorted) {
      form.add(new String[] {"scope", s.toString()});
    }
    form.add(new String[] {"refresh_token", refreshToken.reveal()});
    HttpResponse<String> response = roundTrip(op, post(uri, form), uri);
    int status = response.statusCode();
    if (status == 200) {
      return tokenField(op, response, "access_token", "token");
    }
    if (status == 401) {
      throw op.fail(Reason.TOKEN_REJECTED, detail(response, refreshToken), null);
    }
    if (status == 403) {
      throw forbidden(op, response, Reason.MISSING_ROLE);
    }
    throw unexpected(op, response);
  }

  /**
   * An access token for a username/password login (admin user, repository-scoped token):
   * {@code GET <realm>?service=...&scope=...} with Basic authentication. With no scopes it only checks the
   * password. For a Basic challenge (whose realm is a name, not a URL) it asks the registry's own
   * {@code /oauth2/token}.
   *
   * @throws AcrAuthException BAD_PASSWORD, FIREWALL, INSUFFICIENT_SCOPE, ...
   */
  public Secret basicAccessToken(
      Registry registry,
      Challenge challenge,
      String username,
      Secret password,
      Collection<Scope> scopes,
      CredentialSource source)
      throws AcrAuthException {
    Objects.requireNonNull(password, "password");
    TreeSet<Scope> sorted = new TreeSet<>(scopes);
    if (username == null || username.isEmpty() || username.indexOf(':') >= 0) {
      // RFC 7617: the user id of Basic authentication cannot contain a colon.
      throw new Op("ACR access token", registry, scopeText(sorted), source)
          .fail(Reason.CONFIGURATION, "the username is empty or contains ':'", null);
    }
    Secret basic =
        Secret.of(
            Base64.getEncoder().encodeToString((username + ":" + password.reveal()).getBytes(StandardCharsets.UTF_8)));
    // The encoded pair is as secret as the password: a server echoing our header must not leak it either.
    Op op = new Op("ACR access token", registry, scopeText(sorted), source, password, basic);
    URI realm =
        challenge.isBearer() && challenge.realm().isPresent()
            ? challenge.realm().get()
            : baseUri(registry).resolve("/oauth2/token");
    StringBuilder query = new StringBuilder();
    List<String[]> params = new ArrayList<>();
    params.add(new String[] {"service", service(registry, challenge)});
    for (Scope s : sorted) {
      params.add(new String[] {"scope", s.toString()});
    }
    query.append(encode(params));
    String base = realm.toString();
    int hash = base.indexOf('#');
    if (hash >= 0) {
      base = base.substring(0, hash);
    }
    URI uri = URI.create(base + (realm.getRawQuery() == null ? "?" : "&") + query);
    requireRegistryHost(op, uri);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).GET().header("Authorization", "Basic " + basic.reveal());
    HttpResponse<String> response = roundTrip(op, request, uri);
    int status = response.statusCode();
    if (status == 200) {
      return tokenField(op, response, "access_token", "token");
    }
    if (status == 401) {
      throw op.fail(Reason.BAD_PASSWORD, detail(response, password), null);
    }
    if (status == 403) {
      throw forbidden(op, response, Reason.INSUFFICIENT_SCOPE);
    }
    throw unexpected(op, response);
  }

  // ---------------------------------------------------------------- plumbing

  private URI baseUri(Registry registry) {
    URI https = registry.baseUri();
    if (registry.isLoopback() && transport.settings().plainHttpOnLoopback()) {
      return URI.create("http://" + registry.loginServer());
    }
    return https;
  }

  private static String service(Registry registry, Challenge challenge) {
    return challenge.service().orElse(registry.loginServer());
  }

  private static URI bearerEndpoint(Op op, Challenge challenge, boolean exchange) throws AcrAuthException {
    if (!challenge.isBearer() || challenge.realm().isEmpty()) {
      throw op.fail(
          Reason.NOT_ACR,
          "the registry offers no Bearer token service (" + challenge + ")",
          "use the admin user or a repository-scoped token, or check the login server",
          null);
    }
    URI uri = exchange ? challenge.exchangeUri() : challenge.tokenUri();
    requireRegistryHost(op, uri);
    return uri;
  }

  /**
   * Entra tokens, refresh tokens and passwords go only to the registry's own host (ACR's realm is the registry
   * itself): a challenge naming another host, e.g. from a non-ACR registry, must not collect them. Loopback
   * registries may use another loopback port (the test bed's token service).
   */
  private static void requireRegistryHost(Op op, URI endpoint) throws AcrAuthException {
    String registryHost = hostOf(op.registry.loginServer());
    String endpointHost = endpoint.getHost() == null ? "" : endpoint.getHost().toLowerCase(Locale.ROOT);
    boolean same = endpointHost.equals(registryHost)
        || (Transport.isLoopback(endpointHost) && Transport.isLoopback(registryHost));
    if (!same) {
      throw op.fail(Reason.NOT_ACR,
          "its token service is on " + endpointHost + ", not on the registry's own host " + registryHost,
          "check the login server; acr-login sends credentials only to the registry itself", null);
    }
  }

  private static String hostOf(String loginServer) {
    int colon = loginServer.lastIndexOf(':');
    return (colon > 0 ? loginServer.substring(0, colon) : loginServer).toLowerCase(Locale.ROOT);
  }

  private static HttpRequest.Builder post(URI uri, List<String[]> form) {
    return HttpRequest.newBuilder(uri)
        .header("Content-Type", FORM)
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(encode(form), StandardCharsets.UTF_8));
  }

  static String encode(List<String[]> pairs) {
    return pairs.stream()
        .map(p -> URLEncoder.encode(p[0], StandardCharsets.UTF_8) + "=" + URLEncoder.encode(p[1], StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  private static String scopeText(Collection<Scope> scopes) {
    return scopes.isEmpty() ? null : scopes.stream().map(Scope::toString).collect(Collectors.joining(" "));
  }

  /** Sends with retries; maps I/O failures and exhausted 429/5xx; returns any other answer. */
  private HttpResponse<String> roundTrip(Op op, HttpRequest.Builder request, URI uri) throws AcrAuthException {
    try {
      transport.checkAllowed(uri);
    } catch (IllegalArgumentException e) {
      throw op.fail(
          Reason.PROTOCOL,
          e.getMessage(),
          "check the login server; ACR's token service is only reachable over https",
          null);
    }
    String method = request.build().method();
    String what = method + " " + Transport.withoutQuery(uri);
    String telemetry = Transport.telemetryValue(op.registry, telemetryClient);
    int[] attempts = {0};
    long start = System.nanoTime();
    HttpResponse<String> response;
    try {
      response =
          retry.execute(
              what,
              () -> {
                attempts[0]++;
                long t0 = System.nanoTime();
                try {
                  HttpResponse<String> r = transport.send(request, telemetry);
                  events.accept(AuthEvent.debug(what + " -> " + r.statusCode() + " (" + millisSince(t0) + " ms)"));
                  return r;
                } catch (IOException e) {
                  events.accept(
                      AuthEvent.debug(what + " -> " + e.getClass().getSimpleName() + " (" + millisSince(t0) + " ms)"));
                  throw e;
                }
              },
              events);
    } catch (SSLException e) {
      throw op.fail(Reason.TLS, "TLS with " + Transport.origin(uri) + " failed: " + describe(e), e);
    } catch (IOException e) {
      if (causedBy(e, SSLException.class)) {
        throw op.fail(Reason.TLS, "TLS with " + Transport.origin(uri) + " failed: " + describe(e), e);
      }
      throw op.fail(
          Reason.UNREACHABLE,
          "cannot reach "
              + uri.getHost()
              + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
              + " ("
              + describe(e)
              + (attempts[0] > 1 ? ", " + attempts[0] + " attempts" : "")
              + ")",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw op.fail(Reason.UNREACHABLE, "interrupted while waiting for " + uri.getHost(), "run the build again", e);
    }
    int status = response.statusCode();
    if (status == 429) {
      throw op.fail(
          Reason.THROTTLED,
          "still 429 after " + attempts[0] + " attempts in " + millisSince(start) + " ms" + suffix(detail(response, op.secrets)),
          null);
    }
    if (status >= 500) {
      throw op.fail(
          Reason.SERVICE_UNAVAILABLE,
          what + " answered " + status + " after " + attempts[0] + " attempts" + suffix(detail(response, op.secrets)),
          null);
    }
    return response;
  }

  private AcrAuthException forbidden(Op op, HttpResponse<String> response, Reason otherwise) {
    String body = response.body() == null ? "" : response.body();
    if (MISSING_ROLE.matcher(body).find()) {
      return op.fail(Reason.MISSING_ROLE, detail(response, op.secrets), null);
    }
    if (FIREWALL.matcher(body).find()) {
      return op.fail(Reason.FIREWALL, detail(response, op.secrets), null);
    }
    return op.fail(otherwise, detail(response, op.secrets), null);
  }

  private AcrAuthException unexpected(Op op, HttpResponse<String> response) {
    int status = response.statusCode();
    String what = response.request().method() + " " + response.uri().getRawPath();
    if (status == 404) {
      return op.fail(Reason.NOT_ACR, what + " answered 404" + suffix(detail(response, op.secrets)), null);
    }
    return op.fail(Reason.PROTOCOL, what + " answered " + status + suffix(detail(response, op.secrets)), null);
  }

  // The token answer is JSON with the token in one of the named fields. Never quote the body: the other
  // fields may be tokens too.
  private Secret tokenField(Op op, HttpResponse<String> response, String... names) throws AcrAuthException {
    JsonNode json;
    try {
      json = JSON.readTree(response.body());
    } catch (IOException e) {
      json = null;
    }
    if (json == null || !json.isObject()) {
      throw op.fail(Reason.PROTOCOL, "the answer is not a JSON object", null);
    }
    for (String name : names) {
      JsonNode n = json.get(name);
      if (n != null && n.isTextual() && !n.asText().isBlank()) {
        return Secret.of(n.asText());
      }
    }
    List<String> fields = new ArrayList<>();
    json.fieldNames().forEachRemaining(fields::add);
    throw op.fail(
        Reason.PROTOCOL,
        "the answer has no " + String.join(" or ", names) + " (fields: " + String.join(", ", fields) + ")",
        null);
  }

  /**
   * Human-readable detail of an error answer: ACR's {@code {"errors":[{"code","message"}]}}, Entra-like
   * {@code {"error","error_description"}}, or the start of a text body; redacted, and with the call's secrets
   * masked by value.
   */
  static String detail(HttpResponse<String> response, Secret... secrets) {
    String body = response.body() == null ? "" : response.body().strip();
    String text = null;
    if (body.startsWith("{")) {
      try {
        JsonNode json = JSON.readTree(body);
        text = jsonDetail(json);
      } catch (IOException e) {
        // Not JSON after all; fall through to text.
      }
    }
    if (text == null && !body.isEmpty()) {
      text = body.startsWith("<") ? "an HTML page" : body;
    }
    if (text == null) {
      return null;
    }
    text = text.replaceAll("\\s+", " ").strip();
    if (text.length() > MAX_DETAIL) {
      text = text.substring(0, MAX_DETAIL) + "...";
    }
    return mask(text, secrets);
  }

  /** {@link Redaction#redact(String, Secret...)}, also masking the URL-encoded form of each secret. */
  static String mask(String text, Secret... secrets) {
    String s = Redaction.redact(text, secrets);
    if (s == null) {
      return null;
    }
    for (Secret secret : secrets) {
      if (secret != null) {
        s = s.replace(URLEncoder.encode(secret.reveal(), StandardCharsets.UTF_8), Redaction.MASK);
      }
    }
    return s;
  }

  private static String jsonDetail(JsonNode json) {
    JsonNode errors = json.get("errors");
    if (errors != null && errors.isArray() && errors.size() > 0) {
      List<String> parts = new ArrayList<>();
      for (Iterator<JsonNode> it = errors.elements(); it.hasNext(); ) {
        JsonNode e = it.next();
        String code = text(e.get("code"));
        String message = text(e.get("message"));
        parts.add(code == null ? String.valueOf(message) : message == null ? code : code + ": " + message);
      }
      return String.join("; ", parts);
    }
    String error = text(json.get("error"));
    String description = text(json.get("error_description"));
    if (error != null || description != null) {
      return error == null ? description : description == null ? error : error + ": " + description;
    }
    String message = text(json.get("message"));
    if (message != null) {
      return message;
    }
    return null;
  }

  private static String text(JsonNode n) {
    return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
  }

  private static String detail(HttpResponse<String> response) {
    return detail(response, new Secret[0]);
  }

  private static String suffix(String detail) {
    return detail == null ? "" : ": " + detail;
  }

  private static long millisSince(long nanoStart) {
    return (System.nanoTime() - nanoStart) / 1_000_000;
  }

  // The exception type and a short message; JDK I/O messages name hosts and ports, never request content. The
  // JDK client often throws a ConnectException without a message, so say what it means.
  private static String describe(Throwable e) {
    String type = e.getClass().getSimpleName();
    if (causedBy(e, java.nio.channels.UnresolvedAddressException.class)
        || causedBy(e, java.net.UnknownHostException.class)) {
      return type + ": unknown host";
    }
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        return type + ": " + c.getMessage();
      }
    }
    return e instanceof java.net.ConnectException ? type + ": connection refused" : type;
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  /** The context of one call, for its exceptions. */
  private static final class Op {
    final String operation;
    final Registry registry;
    final String scope;
    final CredentialSource source;
    final Secret[] secrets;

    Op(String operation, Registry registry, String scope, CredentialSource source, Secret... secrets) {
      this.operation = operation;
      this.registry = Objects.requireNonNull(registry, "registry");
      this.scope = scope;
      this.source = source;
      this.secrets = secrets;
    }

    AcrAuthException fail(Reason reason, String detail, Throwable cause) {
      return fail(reason, detail, null, cause);
    }

    AcrAuthException fail(Reason reason, String detail, String remedy, Throwable cause) {
      AcrAuthException.Details d =
          AcrAuthException.because(reason)
              .operation(operation)
              .registry(registry.loginServer())
              .scope(scope)
              .source(source == null ? null : source.toString())
              .detail(mask(detail, secrets))
              .cause(cause);
      if (remedy != null) {
        d.remedy(remedy);
      }
      return d.failed();
    }
  }
}
