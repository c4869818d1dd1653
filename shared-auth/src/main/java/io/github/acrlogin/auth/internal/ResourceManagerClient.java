package io.github.acrlogin.auth.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Reason;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * Azure Resource Manager, as far as a registry's resource goes: find it by login server or name in a
 * subscription (or resource group) following {@code nextLink} pages, read it, and {@code PATCH} it (JSON merge
 * patch, as ARM's resource-provider contract specifies), waiting for an asynchronous update to finish.
 *
 * <p>Errors in ARM's shape {@code {"error":{"code","message"}}} become {@link AcrAuthException}s: 403
 * {@code AuthorizationFailed} is {@link Reason#ARM_PERMISSION_DENIED}, a missing subscription, resource group or
 * registry is {@link Reason#REGISTRY_NOT_IN_SUBSCRIPTION}, 401 is {@link Reason#TOKEN_REJECTED}. {@code 429} and
 * {@code 5xx} are retried per the {@link RetryPolicy}. The bearer token is sent only to the configured endpoint's
 * origin (a {@code nextLink} elsewhere is refused) and never appears in a message or log line.
 */
public final class ResourceManagerClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROVIDER = "/providers/Microsoft.ContainerRegistry/registries";
  private static final int MAX_PAGES = 1000;
  private static final int MAX_POLLS = 60;
  private static final Duration DEFAULT_POLL = Duration.ofSeconds(2);
  private static final int MAX_DETAIL = 400;

  private final Transport transport;
  private final RetryPolicy retry;
  private final RetryPolicy.Sleeper sleeper;
  private final String telemetryClient;
  private final Consumer<AuthEvent> events;

  /**
   * @param sleeper waits between polls of an asynchronous update (injectable so tests do not)
   * @param telemetryClient the client part of {@code X-Meta-Source-Client}, e.g. {@code jenkins}
   */
  public ResourceManagerClient(Transport transport, RetryPolicy retry, RetryPolicy.Sleeper sleeper,
      String telemetryClient, Consumer<AuthEvent> events) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.events = Objects.requireNonNull(events, "events");
    Transport.telemetryValue(Registry.parse("example.azurecr.io"), telemetryClient);
    this.telemetryClient = telemetryClient;
  }

  /** What one operation is about, for its requests and its exceptions. */
  public static final class Call {
    final String operation;
    final Registry registry;
    final CredentialSource source;
    final Secret token;
    final URI endpoint;
    final String apiVersion;
    final boolean write;

    /**
     * @param operation e.g. "authentication-as-arm update"
     * @param token an ARM-audience Entra token
     * @param endpoint ARM's base URL, e.g. {@code https://management.azure.com}
     * @param write whether the operation changes the registry (chooses the remedy of a 403)
     */
    public Call(String operation, Registry registry, CredentialSource source, Secret token, URI endpoint,
        String apiVersion, boolean write) {
      this.operation = operation;
      this.registry = registry;
      this.source = source;
      this.token = token;
      this.endpoint = endpoint;
      this.apiVersion = apiVersion;
      this.write = write;
    }

    public String operation() {
      return operation;
    }

    public Registry registry() {
      return registry;
    }

    public CredentialSource source() {
      return source;
    }

    AcrAuthException fail(Reason reason, String detail, String remedy, Throwable cause) {
      AcrAuthException.Details d = AcrAuthException.because(reason)
          .operation(operation)
          .registry(registry.loginServer())
          .source(source.toString())
          .detail(TokenServiceClient.mask(detail, token))
          .cause(cause);
      if (remedy != null) {
        d.remedy(remedy);
      }
      return d.failed();
    }
  }

  /**
   * The resource id of the registry whose {@code properties.loginServer} is the registry's login server (or,
   * failing that, whose name is the registry's name), listing the subscription or one resource group.
   *
   * @throws AcrAuthException REGISTRY_NOT_IN_SUBSCRIPTION, ARM_PERMISSION_DENIED, TOKEN_REJECTED, ...
   */
  public String findRegistry(Call call, String subscriptionId, Optional<String> resourceGroup)
      throws AcrAuthException {
    String scope = "/subscriptions/" + segment(subscriptionId)
        + resourceGroup.map(rg -> "/resourceGroups/" + segment(rg)).orElse("");
    URI next = uri(call, scope + PROVIDER);
    String byName = null;
    int listed = 0;
    for (int page = 0; next != null; page++) {
      if (page >= MAX_PAGES) {
        throw call.fail(Reason.PROTOCOL, "more than " + MAX_PAGES + " pages of registries", null, null);
      }
      JsonNode body = ok(call, send(call, HttpRequest.newBuilder(next).GET(), next), next);
      JsonNode value = body.get("value");
      if (value == null || !value.isArray()) {
        throw call.fail(Reason.PROTOCOL, "the registry list has no value array", null, null);
      }
      for (JsonNode r : value) {
        listed++;
        String id = text(r.get("id"));
        String loginServer = text(r.path("properties").get("loginServer"));
        if (id == null) {
          continue;
        }
        if (loginServer != null && loginServer.equalsIgnoreCase(call.registry.loginServer())) {
          return checkedId(call, id);
        }
        if (byName == null && call.registry.name().equalsIgnoreCase(text(r.get("name")))) {
          byName = id;
        }
      }
      String nextLink = text(body.get("nextLink"));
      next = nextLink == null ? null : sameOrigin(call, nextLink);
    }
    if (byName != null) {
      return checkedId(call, byName);
    }
    throw call.fail(Reason.REGISTRY_NOT_IN_SUBSCRIPTION,
        "no registry named " + call.registry.name() + " or with login server " + call.registry.loginServer()
            + " among the " + listed + " registries that " + scope + " lists for this identity",
        null, null);
  }

  /** {@code GET {endpoint}{resourceId}?api-version=...}: the registry resource. */
  public JsonNode get(Call call, String resourceId) throws AcrAuthException {
    URI uri = uri(call, resourceId);
    return ok(call, send(call, HttpRequest.newBuilder(uri).GET(), uri), uri);
  }

  /**
   * {@code PATCH {endpoint}{resourceId}?api-version=...} with {@code body}; when ARM answers {@code 202} or a
   * provisioning state that is not final, polls the resource until it is.
   *
   * @return the resource after the update
   */
  public JsonNode patch(Call call, String resourceId, String body) throws AcrAuthException {
    URI uri = uri(call, resourceId);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    HttpResponse<String> response = send(call, request, uri);
    JsonNode resource = response.statusCode() == 202 ? null : ok(call, response, uri);
    Duration wait = retryAfter(response);
    for (int polls = 0; resource == null || !isFinal(resource); polls++) {
      if (polls >= MAX_POLLS) {
        throw call.fail(Reason.SERVICE_UNAVAILABLE, "the update of " + resourceId + " was still running after "
            + polls + " checks", "check the registry in the Azure portal and run again", null);
      }
      events.accept(AuthEvent.debug(call.operation + ": waiting " + wait.toMillis() + " ms for " + resourceId
          + " to finish updating"));
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw call.fail(Reason.UNREACHABLE, "interrupted while waiting for the update", "run it again", e);
      }
      HttpResponse<String> poll = send(call, HttpRequest.newBuilder(uri).GET(), uri);
      resource = ok(call, poll, uri);
      wait = retryAfter(poll);
    }
    String state = text(resource.path("properties").get("provisioningState"));
    if (state != null && !state.equalsIgnoreCase("Succeeded")) {
      throw call.fail(Reason.PROTOCOL, "the update ended in provisioning state " + state,
          "check the registry's activity log in the Azure portal and run again", null);
    }
    return resource;
  }

  /**
   * {@code properties.policies.azureADAuthenticationAsArmPolicy.status}, matching field names without regard
   * to case (tools differ on "AD" versus "Ad"); empty when the resource does not carry it.
   */
  public static Optional<String> policyStatus(JsonNode resource) {
    JsonNode n = field(field(field(field(resource, "properties"), "policies"), "azureADAuthenticationAsArmPolicy"),
        "status");
    return Optional.ofNullable(text(n));
  }

  // ---------------------------------------------------------------- plumbing

  private static JsonNode field(JsonNode node, String name) {
    if (node == null || !node.isObject()) {
      return null;
    }
    JsonNode exact = node.get(name);
    if (exact != null) {
      return exact;
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static boolean isFinal(JsonNode resource) {
    String state = text(resource.path("properties").get("provisioningState"));
    return state == null || state.equalsIgnoreCase("Succeeded") || state.equalsIgnoreCase("Failed")
        || state.equalsIgnoreCase("Canceled");
  }

  private Duration retryAfter(HttpResponse<String> response) {
    return response.headers().firstValue("Retry-After").flatMap(retry::retryAfter)
        .filter(d -> d.compareTo(Duration.ofMinutes(1)) <= 0).orElse(DEFAULT_POLL);
  }

  private static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static URI uri(Call call, String path) {
    String base = call.endpoint.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + path + "?api-version=" + segment(call.apiVersion));
  }

  private static String checkedId(Call call, String id) throws AcrAuthException {
    if (!id.regionMatches(true, 0, "/subscriptions/", 0, 15) || id.contains("?") || id.contains("#")
        || id.contains("..") || id.contains("//")) {
      throw call.fail(Reason.PROTOCOL, "the registry list returned an unusable resource id '" + id + "'", null, null);
    }
    return id;
  }

  // The bearer token goes only where the caller pointed us.
  private static URI sameOrigin(Call call, String link) throws AcrAuthException {
    URI next;
    try {
      next = URI.create(link);
    } catch (IllegalArgumentException e) {
      throw call.fail(Reason.PROTOCOL, "the registry list's nextLink is not a URL", null, null);
    }
    if (!Transport.origin(next).equalsIgnoreCase(Transport.origin(call.endpoint))) {
      throw call.fail(Reason.PROTOCOL, "refusing to follow a nextLink to " + Transport.origin(next)
          + ", which is not the resource manager endpoint " + Transport.origin(call.endpoint), null, null);
    }
    return next;
  }

  /** The JSON body of a 2xx answer; any other answer becomes its exception. */
  private JsonNode ok(Call call, HttpResponse<String> response, URI uri) throws AcrAuthException {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      try {
        JsonNode json = JSON.readTree(response.body() == null ? "" : response.body());
        if (json != null && json.isObject()) {
          return json;
        }
      } catch (IOException e) {
        // falls through
      }
      throw call.fail(Reason.PROTOCOL, response.request().method() + " " + uri.getRawPath() + " answered "
          + status + " without a JSON object", null, null);
    }
    throw failure(call, response, uri);
  }

  private AcrAuthException failure(Call call, HttpResponse<String> response, URI uri) {
    int status = response.statusCode();
    String code = errorCode(response).orElse("");
    String detail = response.request().method() + " " + uri.getRawPath() + " answered " + status
        + errorText(response, call.token).map(t -> ": " + t).orElse("");
    if (status == 401) {
      return call.fail(Reason.TOKEN_REJECTED, detail, "check that the identity's tenant owns the subscription and"
          + " that the cloud's ARM audience and resource manager endpoint belong together", null);
    }
    if (status == 403) {
      String action = call.write ? "Microsoft.ContainerRegistry/registries/write (e.g. Contributor)"
          : "Microsoft.ContainerRegistry/registries/read (e.g. Reader)";
      return call.fail(Reason.ARM_PERMISSION_DENIED, detail, "give the identity " + action + " on registry "
          + call.registry.name() + " (role assignments take a few minutes to apply), or use an identity that has it",
          null);
    }
    if (status == 404) {
      return call.fail(Reason.REGISTRY_NOT_IN_SUBSCRIPTION, detail, null, null);
    }
    if (status == 400 && (code.toLowerCase(Locale.ROOT).contains("apiversion")
        || code.equalsIgnoreCase("NoRegisteredProviderFound"))) {
      return call.fail(Reason.CONFIGURATION, detail, "choose an api-version that this cloud offers for"
          + " Microsoft.ContainerRegistry/registries and that carries azureADAuthenticationAsArmPolicy (2025-04-01,"
          + " or 2023-11-01-preview where that is not yet available)", null);
    }
    return call.fail(Reason.PROTOCOL, detail, null, null);
  }

  private static Optional<String> errorCode(HttpResponse<String> response) {
    try {
      JsonNode json = JSON.readTree(response.body() == null ? "" : response.body());
      return Optional.ofNullable(json == null ? null : text(json.path("error").get("code")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** ARM's {@code code: message}, or the start of a text body. */
  static Optional<String> errorText(HttpResponse<String> response, Secret token) {
    String body = response.body() == null ? "" : response.body().strip();
    String text = null;
    try {
      JsonNode json = JSON.readTree(body);
      if (json != null && json.isObject()) {
        String code = text(json.path("error").get("code"));
        String message = text(json.path("error").get("message"));
        text = code == null ? message : message == null ? code : code + ": " + message;
      }
    } catch (IOException e) {
      text = body.startsWith("<") ? "an HTML page" : body;
    }
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    text = text.replaceAll("\\s+", " ").strip();
    if (text.length() > MAX_DETAIL) {
      text = text.substring(0, MAX_DETAIL) + "...";
    }
    return Optional.of(TokenServiceClient.mask(text, token));
  }

  private static String text(JsonNode n) {
    return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
  }

  /** Sends with the bearer token and retries; maps I/O failures and exhausted 429/5xx. */
  private HttpResponse<String> send(Call call, HttpRequest.Builder request, URI uri) throws AcrAuthException {
    try {
      transport.checkAllowed(uri);
    } catch (IllegalArgumentException e) {
      throw call.fail(Reason.CONFIGURATION, e.getMessage(), "use the https URL of Azure Resource Manager", null);
    }
    HttpRequest.Builder authorized = request.copy().header("Authorization", "Bearer " + call.token.reveal())
        .header("Accept", "application/json");
    String method = request.build().method();
    String what = method + " " + Transport.withoutQuery(uri);
    String telemetry = Transport.telemetryValue(call.registry, telemetryClient);
    int[] attempts = {0};
    HttpResponse<String> response;
    try {
      response = retry.execute(what, () -> {
        attempts[0]++;
        long t0 = System.nanoTime();
        HttpResponse<String> r = transport.send(authorized, telemetry);
        events.accept(AuthEvent.debug(what + " -> " + r.statusCode() + " (" + (System.nanoTime() - t0) / 1_000_000
            + " ms)"));
        return r;
      }, events);
    } catch (SSLException e) {
      throw call.fail(Reason.TLS, "TLS with " + Transport.origin(uri) + " failed: " + e.getClass().getSimpleName(),
          "check that the JVM trusts the certificate chain of " + Transport.origin(uri), e);
    } catch (IOException e) {
      boolean tls = false;
      for (Throwable t = e; t != null && !tls; t = t.getCause() == t ? null : t.getCause()) {
        tls = t instanceof SSLException;
      }
      if (tls) {
        throw call.fail(Reason.TLS, "TLS with " + Transport.origin(uri) + " failed",
            "check that the JVM trusts the certificate chain of " + Transport.origin(uri), e);
      }
      throw call.fail(Reason.UNREACHABLE, "cannot reach " + Transport.origin(uri) + " (" + e.getClass().getSimpleName()
          + (attempts[0] > 1 ? ", " + attempts[0] + " attempts" : "") + ")",
          "check the resource manager endpoint, DNS, proxy settings (https_proxy/no_proxy) and network access", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw call.fail(Reason.UNREACHABLE, "interrupted while waiting for " + uri.getHost(), "run it again", e);
    }
    int status = response.statusCode();
    if (status == 429) {
      throw call.fail(Reason.THROTTLED, what + " still answered 429 after " + attempts[0] + " attempts"
          + errorText(response, call.token).map(t -> ": " + t).orElse(""),
          "retry later; Azure Resource Manager limits requests per identity and subscription", null);
    }
    if (status >= 500) {
      throw call.fail(Reason.SERVICE_UNAVAILABLE, what + " answered " + status + " after " + attempts[0] + " attempts"
          + errorText(response, call.token).map(t -> ": " + t).orElse(""), null, null);
    }
    return response;
  }
}
