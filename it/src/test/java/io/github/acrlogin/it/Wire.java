package io.github.acrlogin.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Plain java.net.http calls against the test bed, as any ACR client would make them. */
final class Wire {
  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client;

  Wire(AcrTestBed bed) {
    this.client = HttpClient.newBuilder().sslContext(bed.sslContext()).connectTimeout(Duration.ofSeconds(5)).build();
  }

  record Response(int status, Map<String, List<String>> headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
  }

  Response post(String url, String... form) {
    return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(form))));
  }

  Response get(String url, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
  }

  Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String form(String... pairs) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < pairs.length; i += 2) {
      if (sb.length() > 0) {
        sb.append('&');
      }
      sb.append(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static String query(Map<String, String> params) {
    return params.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
  }

  /** The claims of a JWT, decoded with base64url. */
  static JsonNode claims(String jwt) {
    try {
      return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // --- the three hops, for tests that only need a step to succeed ---

  String entraToken(String authority, String tenant, String clientId, String secret, String scope) {
    Response r = post(authority + "/" + tenant + "/oauth2/v2.0/token", "grant_type", "client_credentials",
        "client_id", clientId, "client_secret", secret, "scope", scope);
    if (r.status() != 200) {
      throw new AssertionError("Entra answered " + r.status() + ": " + r.body());
    }
    return r.json().get("access_token").asText();
  }

  Response exchange(AcrTestBed bed, TestRegistry registry, String tenant, String aadToken) {
    return post(bed.emulator().baseUrl() + "/oauth2/exchange", "grant_type", "access_token",
        "service", registry.loginServer(), "tenant", tenant, "access_token", aadToken);
  }

  Response accessToken(AcrTestBed bed, TestRegistry registry, String refreshToken, String... scopes) {
    String[] form = new String[6 + 2 * scopes.length];
    form[0] = "grant_type";
    form[1] = "refresh_token";
    form[2] = "service";
    form[3] = registry.loginServer();
    form[4] = "refresh_token";
    form[5] = refreshToken;
    for (int i = 0; i < scopes.length; i++) {
      form[6 + 2 * i] = "scope";
      form[7 + 2 * i] = scopes[i];
    }
    return post(bed.emulator().realm(), form);
  }

  /** Entra secret grant, exchange, refresh token: the ACR refresh token of {@code sp}. */
  String refreshToken(AcrTestBed bed, TestRegistry registry, ServicePrincipal sp) {
    String aad = entraToken(bed.authorityHost(), sp.tenantId(), sp.clientId(), sp.requireSecret(),
        "https://containerregistry.azure.net/.default");
    Response r = exchange(bed, registry, sp.tenantId(), aad);
    if (r.status() != 200) {
      throw new AssertionError("exchange answered " + r.status() + ": " + r.body());
    }
    return r.json().get("refresh_token").asText();
  }
}
