package io.github.acrlogin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.TokenCredential;
import io.github.acrlogin.auth.internal.RetryPolicy;
import io.github.acrlogin.auth.internal.TokenServiceFake;
import io.github.acrlogin.auth.internal.TokenServiceFake.Received;
import io.github.acrlogin.auth.internal.TokenServiceFake.Reply;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The authentication-as-arm client against an in-process fake of Azure Resource Manager. */
class AuthenticationAsArmPolicyTest {

  static final String SUB = "2f1c7a9e-0d3b-4c55-9a8e-5b6d7e8f9a0b";
  static final String TOKEN = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tLyJ9.c2lnbmF0dXJl";
  static final String SUB_LIST = "/subscriptions/" + SUB + "/providers/Microsoft.ContainerRegistry/registries";
  static final String RG_LIST = "/subscriptions/" + SUB + "/resourceGroups/build-rg/providers/Microsoft.ContainerRegistry/registries";
  static final String ID = "/subscriptions/" + SUB + "/resourceGroups/build-rg/providers/Microsoft.ContainerRegistry/registries/myregistry";

  TokenServiceFake arm;
  Registry registry;
  List<AuthEvent> events;
  List<List<String>> scopesAsked;
  CredentialSource source;
  AuthenticationAsArmPolicy policy;

  @BeforeEach
  void start() throws Exception {
    arm = new TokenServiceFake();
    registry = Registry.parse("myregistry.azurecr.io");
    events = new CopyOnWriteArrayList<>();
    scopesAsked = new CopyOnWriteArrayList<>();
    TokenCredential entra = request -> {
      scopesAsked.add(request.getScopes());
      return Mono.just(new com.azure.core.credential.AccessToken(TOKEN, OffsetDateTime.now().plusHours(1)));
    };
    source = CredentialSource.entraCredential(entra, "fake Entra identity");
    policy = client(AuthenticationAsArmPolicy.DEFAULT_API_VERSION);
  }

  AuthenticationAsArmPolicy client(String apiVersion) {
    return AuthenticationAsArmPolicy.builder(AcrAuthenticator.builder()
            .http(HttpSettings.builder().plainHttpOnLoopback(true).build())
            .environment(Map.of())
            .clientName("test")
            .listener(events::add)
            .build())
        .apiVersion(apiVersion)
        .resourceManagerEndpoint(arm.origin())
        .retryPolicy(RetryPolicy.builder().maxAttempts(3).sleeper(d -> { }).build(), d -> { })
        .build();
  }

  @AfterEach
  void stop() {
    arm.close();
  }

  static String registryJson(String name, String loginServer, String policies) {
    return "{\"id\":\"/subscriptions/" + SUB + "/resourceGroups/build-rg/providers/Microsoft.ContainerRegistry/registries/"
        + name + "\",\"name\":\"" + name + "\",\"type\":\"Microsoft.ContainerRegistry/registries\","
        + "\"location\":\"westeurope\",\"properties\":{\"loginServer\":\"" + loginServer + "\","
        + "\"provisioningState\":\"Succeeded\",\"policies\":" + policies + "}}";
  }

  static String withStatus(String status) {
    return "{\"exportPolicy\":{\"status\":\"enabled\"},\"azureADAuthenticationAsArmPolicy\":{\"status\":\"" + status
        + "\"}}";
  }

  static Reply json(int status, String body) {
    return Reply.json(status, body);
  }

  static Reply armError(int status, String code, String message) {
    return json(status, "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}");
  }

  void assertNoTokenInText(Throwable e) {
    if (e != null) {
      assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
      assertFalse(String.valueOf(e).contains(TOKEN));
    }
    for (AuthEvent ev : events) {
      assertFalse(ev.message().contains(TOKEN), ev.message());
    }
  }

  @Test
  void showFindsTheRegistryByLoginServerAcrossPagesWithAnArmAudienceTokenAndReadsItsStatus() throws Exception {
    arm.on(SUB_LIST,
        json(200, "{\"value\":[" + registryJson("other", "other.azurecr.io", withStatus("enabled")) + "],"
            + "\"nextLink\":\"" + arm.origin() + SUB_LIST + "?api-version=2025-04-01&%24skipToken=page2\"}"),
        json(200, "{\"value\":[" + registryJson("myregistry", "myregistry.azurecr.io", withStatus("enabled")) + "]}"));
    arm.on(ID, json(200, registryJson("myregistry", "myregistry.azurecr.io", withStatus("disabled"))));

    AuthAsArmStatus status = policy.show(registry, source, SUB, Optional.empty());

    assertEquals(AuthAsArmStatus.DISABLED, status);
    assertEquals(List.of(List.of("https://management.azure.com/.default")), scopesAsked);
    List<Received> sent = arm.requests();
    assertEquals(3, sent.size());
    assertEquals("GET " + SUB_LIST + "?api-version=2025-04-01", line(sent.get(0)));
    assertEquals("GET " + SUB_LIST + "?api-version=2025-04-01&%24skipToken=page2", line(sent.get(1)));
    assertEquals("GET " + ID + "?api-version=2025-04-01", line(sent.get(2)));
    for (Received r : sent) {
      assertEquals("Bearer " + TOKEN, r.header("Authorization"));
      assertEquals("azure/test", r.header("X-Meta-Source-Client"));
    }
    assertNoTokenInText(null);
  }

  static String line(Received r) {
    return r.method() + " " + r.path() + (r.query() == null ? "" : "?" + r.query());
  }

  @Test
  void showInAResourceGroupListsOnlyThatGroupAndAnUnstatedPolicyIsTheEnabledDefault() throws Exception {
    arm.on(RG_LIST, json(200, "{\"value\":[" + registryJson("myregistry", "myregistry.azurecr.io", "{}") + "]}"));
    arm.on(ID, json(200, registryJson("myregistry", "myregistry.azurecr.io", "{\"exportPolicy\":{\"status\":\"enabled\"}}")));

    assertEquals(AuthAsArmStatus.ENABLED, policy.show(registry, source, SUB, Optional.of("build-rg")));
    assertEquals(List.of(RG_LIST, ID), arm.requests().stream().map(Received::path).toList());
  }

  @Test
  void statusFieldIsReadWhateverTheCaseOfItsName() throws Exception {
    arm.on(SUB_LIST, json(200, "{\"value\":[" + registryJson("myregistry", "myregistry.azurecr.io", "{}") + "]}"));
    arm.on(ID, json(200, registryJson("myregistry", "myregistry.azurecr.io",
        "{\"azureAdAuthenticationAsArmPolicy\":{\"status\":\"Disabled\"}}")));
    assertEquals(AuthAsArmStatus.DISABLED, policy.show(registry, source, SUB, Optional.empty()));
  }

  @Test
  void updatePatchesOnlyThePolicyStatusAndReturnsWhatArmReports() throws Exception {
    arm.on(SUB_LIST, json(200, "{\"value\":[" + registryJson("myregistry", "myregistry.azurecr.io", withStatus("enabled")) + "]}"));
    arm.onRequest(ID, r -> r.method().equals("PATCH")
        ? json(200, registryJson("myregistry", "myregistry.azurecr.io", withStatus("disabled")))
        : json(200, registryJson("myregistry", "myregistry.azurecr.io", withStatus("enabled"))));

    assertEquals(AuthAsArmStatus.DISABLED, policy.update(registry, source, SUB, Optional.empty(), AuthAsArmStatus.DISABLED));

    Received patch = arm.requests().get(2);
    assertEquals("PATCH " + ID + "?api-version=2025-04-01", line(patch));
    assertEquals("{\"properties\":{\"policies\":{\"azureADAuthenticationAsArmPolicy\":{\"status\":\"disabled\"}}}}",
        patch.body());
    assertEquals("application/json", patch.header("Content-Type"));
    assertEquals("Bearer " + TOKEN, patch.header("Authorization"));
    assertTrue(events.stream().anyMatch(e -> e.message().contains("changed from enabled to disabled")), events.toString());
  }

  @Test
  void updateToTheCurrentStatusChangesNothing() throws Exception {
    arm.on(SUB_LIST, json(200, "{\"value\":[" + registryJson("myregistry", "myregistry.azurecr.io", withStatus("disabled")) + "]}"));
    arm.on(ID, json(200, registryJson("myregistry", "myregistry.azurecr.io", withStatus("disabled"))));

    assertEquals(AuthAsArmStatus.DISABLED, policy.update(registry, source, SUB, Optional.empty(), AuthAsArmStatus.DISABLED));
    assertTrue(arm.requests().stream().noneMatch(r -> r.method().equals("PATCH")));
  }

  @Test
  void anAcceptedUpdateIsPolledUntilItSucceeds() throws Exception {
    arm.on(SUB_LIST, json(200, "{\"value\":[" + registryJson("myregistry", "myregistry.azurecr.io", withStatus("enabled")) + "]}"));
    int[] gets = {0};
    arm.onRequest(ID, r -> {
      if (r.method().equals("PATCH")) {
        return new Reply(202, Map.of("Retry-After", "1"), null);
      }
      gets[0]++;
      if (gets[0] == 1) {
        return json(200, registryJson("myregistry", "myregistry.azurecr.io", withStatus("enabled")));
      }
      String state = gets[0] == 2 ? "Updating" : "Succeeded";
      return json(200, registryJson("myregistry", "myregistry.azurecr.io", withStatus("disabled"))
          .replace("\"Succeeded\"", "\"" + state + "\""));
    });

    assertEquals(AuthAsArmStatus.DISABLED, policy.update(registry, source, SUB, Optional.empty(), AuthAsArmStatus.DISABLED));
    assertEquals(3, gets[0]);
  }

  @Test
  void registryMissingFromTheSubscriptionIsNamedWithTheSubscription() {
    arm.on(SUB_LIST, json(200, "{\"value\":[" + registryJson("other", "other.azurecr.io", "{}") + "]}"));

    AcrAuthException e = assertThrows(AcrAuthException.class, () -> policy.show(registry, source, SUB, Optional.empty()));

    assertEquals(Reason.REGISTRY_NOT_IN_SUBSCRIPTION, e.reason());
    assertTrue(e.getMessage().contains("myregistry.azurecr.io"), e.getMessage());
    assertTrue(e.getMessage().contains(SUB), e.getMessage());
    assertTrue(e.getMessage().contains("Fix: check the subscription id"), e.getMessage());
    assertNoTokenInText(e);
  }

  @Test
  void unknownResourceGroupOrSubscriptionIsNotFound() {
    arm.on(RG_LIST, armError(404, "ResourceGroupNotFound", "Resource group 'build-rg' could not be found."));
    AcrAuthException e = assertThrows(AcrAuthException.class,
        () -> policy.show(registry, source, SUB, Optional.of("build-rg")));
    assertEquals(Reason.REGISTRY_NOT_IN_SUBSCRIPTION, e.reason());
    assertTrue(e.getMessage().contains("ResourceGroupNotFound: Resource group 'build-rg' could not be found."), e.getMessage());
  }

  @Test
  void forbiddenListNamesTheReadPermission() {
    arm.on(SUB_LIST, armError(403, "AuthorizationFailed", "The client 'x' with object id 'x' does not have authorization"
        + " to perform action 'Microsoft.ContainerRegistry/registries/read' over scope '/subscriptions/" + SUB + "'"));
    AcrAuthException e = assertThrows(AcrAuthException.class, () -> policy.show(registry, source, SUB, Optional.empty()));
    assertEquals(Reason.ARM_PERMISSION_DENIED, e.reason());
    assertTrue(e.getMessage().contains("Fix: give the identity Microsoft.ContainerRegistry/registries/read (e.g. Reader)"),
        e.getMessage());
  }

  @Test
  void forbiddenPatchNamesTheWritePermission() {
    arm.on(SUB_LIST, json(200, "{\"value\":[" + registryJson("myregistry", "myregistry.azurecr.io", withStatus("enabled")) + "]}"));
    arm.onRequest(ID, r -> r.method().equals("PATCH")
        ? armError(403, "AuthorizationFailed", "does not have authorization to perform action"
            + " 'Microsoft.ContainerRegistry/registries/write'")
        : json(200, registryJson("myregistry", "myregistry.azurecr.io", withStatus("enabled"))));

    AcrAuthException e = assertThrows(AcrAuthException.class,
        () -> policy.update(registry, source, SUB, Optional.empty(), AuthAsArmStatus.DISABLED));

    assertEquals(Reason.ARM_PERMISSION_DENIED, e.reason());
    assertTrue(e.getMessage().startsWith("authentication-as-arm update failed for myregistry.azurecr.io"), e.getMessage());
    assertTrue(e.getMessage().contains("registries/write (e.g. Contributor)"), e.getMessage());
    assertNoTokenInText(e);
  }

  @Test
  void unknownStatusFromArmIsItsOwnReason() {
    arm.on(SUB_LIST, json(200, "{\"value\":[" + registryJson("myregistry", "myregistry.azurecr.io", "{}") + "]}"));
    arm.on(ID, json(200, registryJson("myregistry", "myregistry.azurecr.io", withStatus("audit"))));
    AcrAuthException e = assertThrows(AcrAuthException.class, () -> policy.show(registry, source, SUB, Optional.empty()));
    assertEquals(Reason.UNKNOWN_POLICY_STATUS, e.reason());
    assertTrue(e.getMessage().contains("'audit'"), e.getMessage());
  }

  @Test
  void unknownStatusFromTheUserIsRejectedBeforeAnyRequest() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AuthAsArmStatus.parse("off"));
    assertEquals("Unknown authentication-as-arm status 'off': use enabled or disabled", e.getMessage());
    assertEquals(AuthAsArmStatus.DISABLED, AuthAsArmStatus.parse(" Disabled "));
  }

  @Test
  void anApiVersionWithoutThePropertyIsCaughtAfterAnUpdate() {
    arm.on(SUB_LIST, json(200, "{\"value\":[" + registryJson("myregistry", "myregistry.azurecr.io", "{}") + "]}"));
    arm.on(ID, json(200, registryJson("myregistry", "myregistry.azurecr.io", "{\"exportPolicy\":{\"status\":\"enabled\"}}")));
    AcrAuthException e = assertThrows(AcrAuthException.class,
        () -> client("2023-07-01").update(registry, source, SUB, Optional.empty(), AuthAsArmStatus.DISABLED));
    assertEquals(Reason.PROTOCOL, e.reason());
    assertTrue(e.getMessage().contains("api-version 2023-07-01 probably does not carry it"), e.getMessage());
    assertTrue(arm.requests().stream().allMatch(r -> r.query().equals("api-version=2023-07-01")));
  }

  @Test
  void anApiVersionArmDoesNotKnowIsAConfigurationError() {
    arm.on(SUB_LIST, armError(400, "InvalidApiVersionParameter", "The api-version '2099-01-01' is invalid."));
    AcrAuthException e = assertThrows(AcrAuthException.class,
        () -> client("2099-01-01").show(registry, source, SUB, Optional.empty()));
    assertEquals(Reason.CONFIGURATION, e.reason());
  }

  @Test
  void aNextLinkToAnotherHostIsNotFollowedWithTheToken() {
    arm.on(SUB_LIST, json(200, "{\"value\":[],\"nextLink\":\"https://evil.example.com" + SUB_LIST + "?x=1\"}"));
    AcrAuthException e = assertThrows(AcrAuthException.class, () -> policy.show(registry, source, SUB, Optional.empty()));
    assertEquals(Reason.PROTOCOL, e.reason());
    assertTrue(e.getMessage().contains("refusing to follow a nextLink to https://evil.example.com"), e.getMessage());
    assertEquals(1, arm.requests().size());
  }

  @Test
  void throttlingIsRetriedAndTheTokenEchoedByTheServerIsMasked() throws Exception {
    arm.on(SUB_LIST, armError(429, "TooManyRequests", "slow down").with("Retry-After", "1"),
        json(200, "{\"value\":[" + registryJson("myregistry", "myregistry.azurecr.io", "{}") + "]}"));
    arm.on(ID, armError(401, "InvalidAuthenticationToken", "The access token " + TOKEN + " is invalid."));

    AcrAuthException e = assertThrows(AcrAuthException.class, () -> policy.show(registry, source, SUB, Optional.empty()));

    assertEquals(2, arm.requests(SUB_LIST).size());
    assertEquals(Reason.TOKEN_REJECTED, e.reason());
    assertTrue(e.getMessage().contains("InvalidAuthenticationToken"), e.getMessage());
    assertNoTokenInText(e);
  }

  @Test
  void invalidArgumentsAreReportedTogetherBeforeAnyRequest() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> policy.show(registry, source, "not-a-guid", Optional.of("bad/group")));
    assertTrue(e.getMessage().contains("subscription id 'not-a-guid' is not a GUID"), e.getMessage());
    assertTrue(e.getMessage().contains("resource group 'bad/group' is not a valid name"), e.getMessage());
    IllegalArgumentException admin = assertThrows(IllegalArgumentException.class, () -> policy.show(registry,
        CredentialSource.adminUser("myregistry", Secret.of("pw")), SUB, Optional.empty()));
    assertTrue(admin.getMessage().contains("cannot call Azure Resource Manager"), admin.getMessage());
    assertTrue(arm.requests().isEmpty());
    assertTrue(scopesAsked.isEmpty());
  }

  @Test
  void builderReportsEveryInvalidSettingAtOnce() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AuthenticationAsArmPolicy
        .builder(AcrAuthenticator.builder().environment(Map.of()).build())
        .apiVersion("latest").resourceManagerEndpoint("ftp://x/y").build());
    assertTrue(e.getMessage().contains("api-version 'latest'"), e.getMessage());
    assertTrue(e.getMessage().contains("resource manager endpoint 'ftp://x/y'"), e.getMessage());
  }

  @Test
  void theEndpointDefaultsToTheCloudsResourceManagerEndpointWhichDefaultsToItsArmAudience() {
    AuthenticationAsArmPolicy defaults =
        AuthenticationAsArmPolicy.builder(AcrAuthenticator.builder().environment(Map.of()).build()).build();
    assertEquals("https://management.azure.com", defaults.resourceManagerEndpoint(registry));
    assertEquals("https://management.usgovcloudapi.net",
        defaults.resourceManagerEndpoint(Registry.parse("myregistry.azurecr.us")));
    AzureCloud bed = AzureCloud.builder(AzureCloud.PUBLIC).name("TestBed")
        .resourceManagerEndpoint("https://127.0.0.1:8443/").build();
    assertEquals("https://management.azure.com", bed.armAudience());
    assertEquals("https://127.0.0.1:8443", bed.resourceManagerEndpoint());
    assertEquals("https://127.0.0.1:8443",
        defaults.resourceManagerEndpoint(Registry.parse("myregistry.azurecr.io", bed)));
    AzureCloud stack = AzureCloud.builder(AzureCloud.PUBLIC).armAudience("https://management.stack.example").build();
    assertEquals("https://management.stack.example", stack.resourceManagerEndpoint());
  }
}
