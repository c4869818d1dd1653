package io.github.acrlogin.auth.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AuthEvent;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Scope;
import io.github.acrlogin.auth.Secret;
import io.github.acrlogin.auth.internal.TokenServiceFake.Received;
import io.github.acrlogin.auth.internal.TokenServiceFake.Reply;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The no-secret-in-text property of the token service client: on every error path, with a server that echoes
 * what it was sent (and tokens of its own) in every body shape, neither the exception (message,
 * {@code toString()}, detail, remedy, causes, stack trace) nor any {@link AuthEvent} contains the Entra token,
 * refresh token, access token or password, nor their URL- or Basic-encoded forms. Runs once with JWT-shaped
 * secrets (which {@code Redaction} recognises by pattern) and once with plain ones (which only our own
 * discipline keeps out).
 */
class TokenServiceNoSecretTest {

  /** The secrets of one run. */
  record Secrets(String kind, Secret entra, Secret refresh, Secret access, String user, Secret password) {
    String basic() {
      return Base64.getEncoder().encodeToString((user + ":" + password.reveal()).getBytes(StandardCharsets.UTF_8));
    }

    List<String> forbidden() {
      List<String> out = new ArrayList<>();
      for (Secret s : List.of(entra, refresh, access, password)) {
        out.add(s.reveal());
        out.add(URLEncoder.encode(s.reveal(), StandardCharsets.UTF_8));
      }
      out.add(basic());
      return out;
    }
  }

  // One JDK client for all cases: each client has its own selector thread.
  static final Transport TRANSPORT =
      new Transport(HttpSettings.builder().plainHttpOnLoopback(true).build(), Map.of());

  static final Secrets JWT_SHAPED =
      new Secrets(
          "JWT-shaped",
          Secret.of(JwtTest.jwt("{\"aud\":\"https://containerregistry.azure.net\",\"n\":\"entra\"}")),
          Secret.of(JwtTest.jwt("{\"iss\":\"Azure Container Registry\",\"n\":\"refresh\"}")),
          Secret.of(JwtTest.jwt("{\"access\":[],\"n\":\"access\"}")),
          "myregistry",
          Secret.of(JwtTest.jwt("{\"n\":\"password-that-looks-like-a-jwt\"}")));

  static final Secrets PLAIN =
      new Secrets(
          "plain",
          Secret.of("entra-NOT-a-jwt-7f3a9c/+="),
          Secret.of("refresh-plain-91b2e0"),
          Secret.of("access-plain-c4d8e1"),
          "repo-token",
          Secret.of("p@ss w0rd&e5f6a7=%"));

  /**
   * Error bodies in every shape we parse, echoing the request (decoded and raw, header included) in the text
   * we quote, and carrying the server's own tokens in JSON fields beside it.
   */
  static List<Function<Received, String>> bodies(Secrets s) {
    Function<Received, String> echo =
        r -> String.join(" ", r.fieldList()) + " raw=" + r.body() + " q=" + r.query() + " auth="
            + r.header("Authorization");
    Function<Received, String> jsonEcho = r -> echo.apply(r).replace("\\", "\\\\").replace("\"", "\\\"");
    String tokens =
        ",\"refresh_token\":\"" + s.refresh().reveal() + "\",\"access_token\":\"" + s.access().reveal() + "\"";
    return List.of(
        r -> "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"" + jsonEcho.apply(r) + "\"}]" + tokens + "}",
        r -> "{\"error\":\"invalid_grant\",\"error_description\":\"" + jsonEcho.apply(r) + "\"" + tokens + "}",
        r -> "{\"message\":\"" + jsonEcho.apply(r) + "\"" + tokens + "}",
        echo,
        r -> "<html><body>" + echo.apply(r) + "</body></html>");
  }

  /** Answers that end in an exception: error statuses, and 200s that are malformed or lack the field. */
  static List<Function<Received, Reply>> answers(Secrets s) {
    List<Function<Received, Reply>> out = new ArrayList<>();
    for (int status : new int[] {400, 401, 403, 404, 409, 429, 500, 503}) {
      for (Function<Received, String> body : bodies(s)) {
        out.add(r -> new Reply(status, Map.of(), body.apply(r)));
      }
    }
    out.add(r -> new Reply(200, Map.of(), "not json " + bodies(s).get(3).apply(r)));
    out.add(r -> Reply.json(200, "{\"refreshToken\":\"" + s.refresh().reveal() + "\",\"accessToken\":\""
        + s.access().reveal() + "\",\"echo\":\"" + r.body().replace("\"", "") + "\"}"));
    out.add(r -> Reply.json(200, "{\"refresh_token\":42,\"access_token\":[\"" + s.access().reveal() + "\"]}"));
    return out;
  }

  interface Call {
    void run(TokenServiceClient client, Registry registry, Challenge challenge, Secrets s) throws AcrAuthException;
  }

  static Map<String, Call> calls() {
    return Map.of(
        "exchange",
        (c, reg, ch, s) -> c.exchange(reg, ch, s.entra(), "72f988bf-86f1-41af-91ab-2d7cd011db47", null),
        "accessToken",
        (c, reg, ch, s) -> c.accessToken(reg, ch, s.refresh(), List.of(Scope.push("samples/hello")), null),
        "basicAccessToken",
        (c, reg, ch, s) ->
            c.basicAccessToken(reg, ch, s.user(), s.password(), List.of(Scope.pull("samples/hello")),
                CredentialSource.repositoryToken(s.user(), s.password())));
  }

  // One server for all cases, re-scripted by each (they run one after another).
  static TokenServiceFake fake;

  @BeforeAll
  static void startServer() throws IOException {
    fake = new TokenServiceFake();
  }

  @AfterAll
  static void stopServer() {
    fake.close();
  }

  @TestFactory
  Stream<DynamicTest> noErrorPathPutsASecretIntoText() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Secrets s : List.of(JWT_SHAPED, PLAIN)) {
      for (Map.Entry<String, Call> call : calls().entrySet()) {
        List<Function<Received, Reply>> answers = answers(s);
        for (int i = 0; i < answers.size(); i++) {
          Function<Received, Reply> answer = answers.get(i);
          tests.add(
              DynamicTest.dynamicTest(
                  call.getKey() + " with " + s.kind() + " secrets, answer #" + i,
                  () -> {
                    fake.onRequest("/oauth2/exchange", answer);
                    fake.onRequest("/oauth2/token", answer);
                    assertNoSecretInText(s, call.getValue(), fake.registry(), fake.bearerChallenge());
                  }));
        }
        tests.add(
            DynamicTest.dynamicTest(
                call.getKey() + " with " + s.kind() + " secrets, connection refused",
                () -> {
                  int port;
                  try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    port = closed.getLocalPort();
                  }
                  assertNoSecretInText(
                      s,
                      call.getValue(),
                      Registry.parse("127.0.0.1:" + port),
                      "Bearer realm=\"http://127.0.0.1:" + port + "/oauth2/token\",service=\"x\"");
                }));
      }
    }
    return tests.stream();
  }

  static void assertNoSecretInText(Secrets s, Call call, Registry registry, String challengeHeader) {
    List<AuthEvent> events = new ArrayList<>();
    RetryPolicyTest.FakeClock clock = new RetryPolicyTest.FakeClock();
    RetryPolicy retry =
        RetryPolicy.builder().clock(clock).sleeper(new RetryPolicyTest.FakeSleeper(clock)).build();
    TokenServiceClient client =
        new TokenServiceClient(
            TRANSPORT,
            retry,
            "maven",
            events::add);
    Challenge challenge = ChallengeParser.parse(challengeHeader).get(0);
    AcrAuthException e =
        assertThrows(AcrAuthException.class, () -> call.run(client, registry, challenge, s));
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    List<String> texts = new ArrayList<>();
    texts.add(e.getMessage());
    texts.add(e.toString());
    texts.add(e.detail().orElse(""));
    texts.add(e.remedy());
    texts.add(trace.toString());
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      texts.add(String.valueOf(t));
    }
    events.forEach(ev -> texts.add(ev.toString()));
    assertFalse(events.isEmpty(), "round trips are logged");
    for (String text : texts) {
      for (String secret : s.forbidden()) {
        assertFalse(text.contains(secret), () -> "secret leaked into: " + text);
      }
    }
    assertTrue(e.getMessage().contains(registry.loginServer()), e.getMessage());
  }
}
