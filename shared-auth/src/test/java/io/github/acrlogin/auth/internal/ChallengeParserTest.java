package io.github.acrlogin.auth.internal;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChallengeParserTest {

  private static Map<String, String> params(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static Challenge c(String scheme, String... kv) {
    return new Challenge(scheme, params(kv));
  }

  /** Headers as real registries send them, with what a correct parser makes of them. */
  static Stream<Arguments> realWorldHeaders() {
    return Stream.of(
        Arguments.of(
            "ACR on a repository: comma inside the quoted scope",
            "Bearer realm=\"https://x.azurecr.io/oauth2/token\",service=\"x.azurecr.io\","
                + "scope=\"repository:samples/hello:pull,push\"",
            List.of(
                c("bearer", "realm", "https://x.azurecr.io/oauth2/token", "service", "x.azurecr.io", "scope",
                    "repository:samples/hello:pull,push"))),
        Arguments.of(
            "ACR on /v2/",
            "Bearer realm=\"https://x.azurecr.io/oauth2/token\",service=\"x.azurecr.io\"",
            List.of(c("bearer", "realm", "https://x.azurecr.io/oauth2/token", "service", "x.azurecr.io"))),
        Arguments.of(
            "ACR with several space-separated scopes",
            "Bearer realm=\"https://x.azurecr.io/oauth2/token\",service=\"x.azurecr.io\","
                + "scope=\"repository:a/b:pull repository:c:pull,push registry:catalog:*\"",
            List.of(
                c("bearer", "realm", "https://x.azurecr.io/oauth2/token", "service", "x.azurecr.io", "scope",
                    "repository:a/b:pull repository:c:pull,push registry:catalog:*"))),
        Arguments.of(
            "ACR after wrong Basic credentials",
            "Basic realm=\"Azure Container Registry\"",
            List.of(c("basic", "realm", "Azure Container Registry"))),
        Arguments.of(
            "Docker Hub",
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/ubuntu:pull\"",
            List.of(
                c("bearer", "realm", "https://auth.docker.io/token", "service", "registry.docker.io", "scope",
                    "repository:library/ubuntu:pull"))),
        Arguments.of(
            "GHCR",
            "Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:user/image:pull\"",
            List.of(c("bearer", "realm", "https://ghcr.io/token", "service", "ghcr.io", "scope",
                "repository:user/image:pull"))),
        Arguments.of(
            "Quay",
            "Bearer realm=\"https://quay.io/v2/auth\",service=\"quay.io\"",
            List.of(c("bearer", "realm", "https://quay.io/v2/auth", "service", "quay.io"))),
        Arguments.of(
            "ECR: Basic with a URL realm and a service",
            "Basic realm=\"https://123.dkr.ecr.us-east-1.amazonaws.com/\",service=\"ecr.amazonaws.com\"",
            List.of(c("basic", "realm", "https://123.dkr.ecr.us-east-1.amazonaws.com/", "service",
                "ecr.amazonaws.com"))),
        Arguments.of(
            "GCR",
            "Bearer realm=\"https://gcr.io/v2/token\",service=\"gcr.io\","
                + "scope=\"repository:google-containers/pause:pull\"",
            List.of(c("bearer", "realm", "https://gcr.io/v2/token", "service", "gcr.io", "scope",
                "repository:google-containers/pause:pull"))),
        Arguments.of(
            "Artifact Registry",
            "Bearer realm=\"https://us-docker.pkg.dev/v2/token\",service=\"us-docker.pkg.dev\"",
            List.of(c("bearer", "realm", "https://us-docker.pkg.dev/v2/token", "service", "us-docker.pkg.dev"))),
        Arguments.of(
            "Harbor",
            "Bearer realm=\"https://harbor.example.com/service/token\",service=\"harbor-registry\"",
            List.of(c("bearer", "realm", "https://harbor.example.com/service/token", "service", "harbor-registry"))),
        Arguments.of(
            "GitLab",
            "Bearer realm=\"https://gitlab.com/jwt/auth\",service=\"container_registry\"",
            List.of(c("bearer", "realm", "https://gitlab.com/jwt/auth", "service", "container_registry"))),
        Arguments.of(
            "distribution: insufficient_scope",
            "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\","
                + "scope=\"repository:samalba/my-app:pull,push\",error=\"insufficient_scope\"",
            List.of(
                c("bearer", "realm", "https://auth.example.com/token", "service", "registry.example.com", "scope",
                    "repository:samalba/my-app:pull,push", "error", "insufficient_scope"))),
        Arguments.of(
            "distribution: invalid_token",
            "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\",error=\"invalid_token\"",
            List.of(c("bearer", "realm", "https://auth.example.com/token", "service", "registry.example.com",
                "error", "invalid_token"))),
        Arguments.of(
            "lowercase scheme",
            "bearer realm=\"https://x.azurecr.io/oauth2/token\",service=\"x.azurecr.io\"",
            List.of(c("bearer", "realm", "https://x.azurecr.io/oauth2/token", "service", "x.azurecr.io"))),
        Arguments.of(
            "uppercase scheme and names, spaces around '=' and ','",
            "BEARER  REALM = \"https://x/token\" ,  Service=\"x\"",
            List.of(c("bearer", "realm", "https://x/token", "service", "x"))),
        Arguments.of(
            "Nexus: uppercase BASIC",
            "BASIC realm=\"Sonatype Nexus Repository Manager\"",
            List.of(c("basic", "realm", "Sonatype Nexus Repository Manager"))),
        Arguments.of(
            "two challenges in one header",
            "Basic realm=\"x\", Bearer realm=\"y\",service=\"z\"",
            List.of(c("basic", "realm", "x"), c("bearer", "realm", "y", "service", "z"))),
        Arguments.of(
            "escaped quotes and commas inside a quoted string",
            "Bearer realm=\"https://x/token\",error_description=\"a \\\"quoted\\\" word, and a comma\"",
            List.of(c("bearer", "realm", "https://x/token", "error_description", "a \"quoted\" word, and a comma"))),
        Arguments.of(
            "empty list elements and tabs",
            " ,\tBearer\trealm=\"y\" ,, service=\"z\",,",
            List.of(c("bearer", "realm", "y", "service", "z"))),
        Arguments.of(
            "unquoted values (lenient)",
            "Bearer realm=https://x.example/token,service=x.example",
            List.of(c("bearer", "realm", "https://x.example/token", "service", "x.example"))),
        Arguments.of(
            "empty quoted value",
            "Bearer realm=\"https://x/token\",scope=\"\"",
            List.of(c("bearer", "realm", "https://x/token", "scope", ""))),
        Arguments.of(
            "IIS: bare schemes",
            "Negotiate, NTLM",
            List.of(c("negotiate"), c("ntlm"))),
        Arguments.of(
            "token68 then another challenge",
            "Negotiate YIIBzgYGKwYBBQUCoIIBwjCC+/Ab==, Basic realm=\"corp\"",
            List.of(Challenge.withToken68("Negotiate", "YIIBzgYGKwYBBQUCoIIBwjCC+/Ab=="), c("basic", "realm", "corp"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("realWorldHeaders")
  void realWorldHeaderParsesToItsChallenges(String what, String header, List<Challenge> expected) {
    assertEquals(expected, ChallengeParser.parse(header));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        " , ,",
        "realm=\"x\"",
        "Bearer realm=\"unterminated",
        "Bearer realm=\"x\" service=\"y\"",
        "Bearer realm=\"x\",=\"y\"",
        "@@@",
        "Bearer realm=\"x\" \"junk\"",
        "Bearer realm=x\"y\"",
      })
  void garbageFailsWithClearMessage(String header) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChallengeParser.parse(header));
    assertTrue(e.getMessage().startsWith("Invalid WWW-Authenticate header: "), e.getMessage());
  }

  @Test
  void garbageMessageSaysWhatAndWhere() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ChallengeParser.parse("Bearer realm=\"unterminated"));
    assertTrue(e.getMessage().contains("unterminated quoted string at position 13"), e.getMessage());
  }

  @Test
  void bareSchemeWithoutParametersIsAChallenge() {
    assertEquals(List.of(c("bearer")), ChallengeParser.parse("Bearer"));
  }

  @Test
  void bareToken68IsKeptApart() {
    Challenge c = ChallengeParser.parse("Basic dXNlcjpwYXNz").get(0);
    assertEquals(Optional.of("dXNlcjpwYXNz"), c.token68());
    assertTrue(c.params().isEmpty());
  }

  @Test
  void duplicateParameterKeepsTheFirst() {
    assertEquals(
        Optional.of("https://a/token"),
        ChallengeParser.parse("Bearer realm=\"https://a/token\",REALM=\"https://b/token\"").get(0).param("realm"));
  }

  @Test
  void severalHeaderLinesAreAllParsed() {
    assertEquals(
        List.of(c("basic", "realm", "x"), c("bearer", "realm", "y")),
        ChallengeParser.parseAll(List.of("Basic realm=\"x\"", "Bearer realm=\"y\"")));
  }

  @Test
  void garbageMessageRedactsTokensTheServerEchoed() {
    String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ChallengeParser.parse("Bearer error=\"" + jwt));
    assertFalse(e.getMessage().contains(jwt), e.getMessage());
  }

  // ---------------------------------------------------------------- Challenge

  @Test
  void acrChallengeDerivesExchangeAndTokenFromRealmOrigin() {
    Challenge c =
        ChallengeParser.parse(
                "Bearer realm=\"https://x.azurecr.io/oauth2/token\",service=\"x.azurecr.io\","
                    + "scope=\"repository:samples/hello:pull,push registry:catalog:*\"")
            .get(0);
    assertAll(
        () -> assertEquals("bearer", c.scheme()),
        () -> assertTrue(c.isBearer()),
        () -> assertEquals(Optional.of(URI.create("https://x.azurecr.io/oauth2/token")), c.realm()),
        () -> assertEquals(Optional.of("x.azurecr.io"), c.service()),
        () -> assertEquals(List.of("repository:samples/hello:pull,push", "registry:catalog:*"), c.scopes()),
        () -> assertEquals(URI.create("https://x.azurecr.io/oauth2/exchange"), c.exchangeUri()),
        () -> assertEquals(URI.create("https://x.azurecr.io/oauth2/token"), c.tokenUri()));
  }

  @Test
  void endpointsKeepRealmPortAndDropPathQueryAndUserInfo() {
    Challenge c = c("Bearer", "realm", "http://u:p@127.0.0.1:8443/some/path/token?x=1#f");
    assertEquals(URI.create("http://127.0.0.1:8443/oauth2/exchange"), c.exchangeUri());
    assertEquals(URI.create("http://127.0.0.1:8443/oauth2/token"), c.tokenUri());
  }

  @Test
  void basicRealmThatIsANameHasNoRealmUrlAndNoEndpoints() {
    Challenge c = c("Basic", "realm", "Azure Container Registry");
    assertTrue(c.isBasic());
    assertEquals(Optional.of("Azure Container Registry"), c.param("REALM"));
    assertEquals(Optional.empty(), c.realm());
    IllegalStateException e = assertThrows(IllegalStateException.class, c::exchangeUri);
    assertTrue(e.getMessage().contains("no realm URL"), e.getMessage());
    assertThrows(IllegalStateException.class, c::tokenUri);
  }

  @Test
  void realmWithOtherSchemeIsNotAUrl() {
    assertEquals(Optional.empty(), c("bearer", "realm", "ftp://x/token").realm());
    assertEquals(Optional.empty(), c("bearer", "realm", "/relative/token").realm());
  }

  @Test
  void paramsAreCaseInsensitiveAndSchemeLowercase() {
    Challenge c = c("BeArEr", "Service", "x");
    assertEquals("bearer", c.scheme());
    assertEquals(Optional.of("x"), c.param("SERVICE"));
    assertEquals(Optional.of("x"), c.service());
    assertEquals(List.of(), c.scopes());
  }

  @Test
  void equalChallengesCompareEqualRegardlessOfCase() {
    assertEquals(c("Bearer", "Realm", "https://x/t"), c("bearer", "realm", "https://x/t"));
    assertEquals(c("Bearer", "Realm", "https://x/t").hashCode(), c("bearer", "realm", "https://x/t").hashCode());
    assertFalse(c("bearer", "realm", "https://x/t").equals(c("basic", "realm", "https://x/t")));
  }

  @Test
  void toStringIsHeaderSyntaxThatParsesBack() {
    Challenge c = c("bearer", "realm", "https://x/token", "error_description", "say \"hi\", \\o/");
    assertEquals("Bearer realm=\"https://x/token\",error_description=\"say \\\"hi\\\", \\\\o/\"", c.toString());
    assertEquals(List.of(c), ChallengeParser.parse(c.toString()));
  }
}
