package io.github.acrlogin.it;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One request to the emulator: parsed query and form, and the answer helpers. Package-private plumbing. */
final class HttpCall {
  private static final int MAX_BODY = 1 << 20;

  private final HttpExchange exchange;
  private final Map<String, List<String>> query;
  private Map<String, List<String>> form;
  private String identity = "-";
  private String rawBody;
  private Runnable beforeAnswer = () -> { };
  private boolean answered;

  HttpCall(HttpExchange exchange) {
    this.exchange = exchange;
    this.query = decode(exchange.getRequestURI().getRawQuery());
  }

  String method() {
    return exchange.getRequestMethod();
  }

  String path() {
    return exchange.getRequestURI().getPath();
  }

  String header(String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }

  /** First value of a query parameter, or null. */
  String query(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** First value of a form field, or null; reads the body on first use. */
  String form(String name) throws IOException {
    List<String> v = forms().get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** All values of a form field (fields such as {@code scope} may repeat). */
  List<String> formAll(String name) throws IOException {
    return forms().getOrDefault(name, List.of());
  }

  List<String> queryAll(String name) {
    return query.getOrDefault(name, List.of());
  }

  private Map<String, List<String>> forms() throws IOException {
    if (form == null) {
      String type = header("Content-Type");
      if (type != null && type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
        try (InputStream in = exchange.getRequestBody()) {
          byte[] body = in.readNBytes(MAX_BODY);
          form = decode(new String(body, StandardCharsets.UTF_8));
        }
      } else {
        form = Map.of();
      }
    }
    return form;
  }

  /** The request body as text (for JSON requests); reads it on first use, at most 1 MiB. */
  String body() throws IOException {
    if (rawBody == null) {
      try (InputStream in = exchange.getRequestBody()) {
        rawBody = new String(in.readNBytes(MAX_BODY), StandardCharsets.UTF_8);
      }
    }
    return rawBody;
  }

  /** The user and password of an {@code Authorization: Basic} header. */
  Optional<String[]> basic() {
    String auth = header("Authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Basic ", 0, 6)) {
      return Optional.empty();
    }
    try {
      String pair = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
      int colon = pair.indexOf(':');
      return colon < 0 ? Optional.empty() : Optional.of(new String[] {pair.substring(0, colon), pair.substring(colon + 1)});
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Who made the call, as counted: a client id, a user name or "-" (never a secret). */
  void identity(String who) {
    this.identity = who == null || who.isBlank() ? "-" : who;
  }

  String identity() {
    return identity;
  }

  void header(String name, String value) {
    exchange.getResponseHeaders().add(name, value);
  }

  void json(int status, Object body) throws IOException {
    send(status, "application/json; charset=utf-8", Jwt.JSON.writeValueAsBytes(body));
  }

  /**
   * Runs {@code hook} once, just before the answer (or the dropped connection) reaches the client, so what
   * it records (the counters) is visible to a client as soon as it has its answer.
   */
  void beforeAnswer(Runnable hook) {
    this.beforeAnswer = hook;
  }

  /** Runs the before-answer hook unless it ran already. */
  synchronized void answering() {
    if (!answered) {
      answered = true;
      beforeAnswer.run();
    }
  }

  void send(int status, String contentType, byte[] body) throws IOException {
    answering();
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** Closes the connection without an answer (a dropped connection). */
  void drop() {
    answering();
    exchange.close();
  }

  private static Map<String, List<String>> decode(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }
}
