package io.github.acrlogin.auth.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.acrlogin.auth.Registry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An in-process fake of a registry's {@code /v2/} and ACR's token service on 127.0.0.1: scripted answers per
 * path (the last one repeats) and a record of every request, so tests assert exactly what was sent.
 */
public final class TokenServiceFake implements AutoCloseable {

  /** One request as received. */
  public record Received(String method, String path, String query, Headers headers, String body) {
    public String header(String name) {
      return headers.getFirst(name);
    }

    /** Form fields (body for POST, query for GET) in order, as name/value pairs. */
    List<String[]> fields() {
      String raw = method.equals("GET") ? query : body;
      List<String[]> out = new ArrayList<>();
      if (raw == null || raw.isEmpty()) {
        return out;
      }
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        out.add(
            new String[] {
              URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8)
            });
      }
      return out;
    }

    /** Fields as "name=value" strings in order, for readable assertions. */
    public List<String> fieldList() {
      return fields().stream().map(f -> f[0] + "=" + f[1]).toList();
    }
  }

  /** A scripted answer. */
  public record Reply(int status, Map<String, String> headers, String body) {
    public static Reply json(int status, String body) {
      return new Reply(status, Map.of("Content-Type", "application/json"), body);
    }

    public Reply with(String header, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(header, value);
      return new Reply(status, h, body);
    }
  }

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY each answer waits for the
    // client's delayed ACK (about 40 ms), which adds up over hundreds of round trips.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final Map<String, List<Reply>> script = new ConcurrentHashMap<>();
  private final Map<String, Function<Received, Reply>> dynamic = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();

  public TokenServiceFake() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Answers requests to {@code path} with {@code replies} in turn; the last one repeats. */
  public TokenServiceFake on(String path, Reply... replies) {
    script.put(path, Collections.synchronizedList(new ArrayList<>(List.of(replies))));
    return this;
  }

  /** Answers requests to {@code path} with whatever {@code answer} makes of each request. */
  public TokenServiceFake onRequest(String path, Function<Received, Reply> answer) {
    dynamic.put(path, answer);
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String origin() {
    return "http://127.0.0.1:" + port();
  }

  public Registry registry() {
    return Registry.parse("127.0.0.1:" + port());
  }

  /** ACR's challenge on this server. */
  public String bearerChallenge() {
    return "Bearer realm=\"" + origin() + "/oauth2/token\",service=\"127.0.0.1:" + port() + "\"";
  }

  public List<Received> requests() {
    return List.copyOf(received);
  }

  public List<Received> requests(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = ex.getRequestURI().getPath();
    Received request = new Received(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(), ex.getRequestHeaders(), body);
    received.add(request);
    List<Reply> replies = script.get(path);
    Reply reply;
    if (dynamic.containsKey(path)) {
      reply = dynamic.get(path).apply(request);
    } else if (replies == null || replies.isEmpty()) {
      reply = Reply.json(404, "{\"errors\":[{\"code\":\"NOT_FOUND\",\"message\":\"no route\"}]}");
    } else {
      synchronized (replies) {
        reply = replies.size() > 1 ? replies.remove(0) : replies.get(0);
      }
    }
    reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    byte[] out = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
