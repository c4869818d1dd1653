package io.github.acrlogin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "myregistry", "myregistry.azurecr.io", "https://myregistry.azurecr.io/", "MyRegistry.azurecr.io",
      "  https://MYREGISTRY.azurecr.io  ", "https://myregistry.azurecr.io/v2/", "myregistry.azurecr.io/"})
  void everyUsualSpellingNormalisesToTheLowercaseLoginServer(String reference) {
    Registry r = Registry.parse(reference);
    assertEquals("myregistry.azurecr.io", r.loginServer());
    assertEquals("myregistry", r.name());
    assertSame(AzureCloud.PUBLIC, r.cloud());
    assertEquals("https://myregistry.azurecr.io", r.baseUri().toString());
  }

  @ParameterizedTest
  @CsvSource({
      "contoso.azurecr.cn, AzureChinaCloud, https://login.chinacloudapi.cn",
      "contoso.azurecr.us, AzureUSGovernment, https://login.microsoftonline.us",
      "contoso.azurecr.io, AzureCloud, https://login.microsoftonline.com"})
  void sovereignCloudSuffixesPickTheirAuthority(String reference, String cloud, String authority) {
    Registry r = Registry.parse(reference);
    assertEquals(cloud, r.cloud().name());
    assertEquals(authority, r.cloud().authorityHost());
  }

  @Test
  void bareNameUsesTheGivenCloudSuffix() {
    assertEquals("contoso.azurecr.cn", Registry.parse("contoso", AzureCloud.CHINA).loginServer());
  }

  @Test
  void customCloudOwnsItsSuffixAndCustomDomainsAreKeptWhole() {
    AzureCloud stack = AzureCloud.builder(AzureCloud.PUBLIC)
        .name("AzureStack").loginServerSuffix("azsacr.local.example.com")
        .authorityHost("https://login.local.example.com/").acrAudience("https://containerregistry.local.example.com")
        .armAudience("https://management.local.example.com").build();
    Registry r = Registry.parse("team1registry.azsacr.local.example.com", stack);
    assertEquals("team1registry", r.name());
    assertSame(stack, r.cloud());
    assertEquals("https://login.local.example.com", stack.authorityHost());
    assertEquals("https://containerregistry.local.example.com/.default", stack.scope(Audience.ACR));
    assertEquals("azurestack", stack.telemetryPrefix());

    Registry custom = Registry.parse("registry.contoso.com", stack);
    assertEquals("registry.contoso.com", custom.loginServer());
    assertSame(stack, custom.cloud());
  }

  @Test
  void loopbackWithPortIsALoginServer() {
    Registry r = Registry.parse("127.0.0.1:5443");
    assertEquals("127.0.0.1:5443", r.loginServer());
    assertTrue(r.isLoopback());
    assertFalse(Registry.parse("myregistry").isLoopback());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "abcd | 5-50 letters and digits",
      "my-registry | 5-50 letters and digits",
      "my_registry.azurecr.io | not a valid host name",
      "abc.azurecr.io | 5-50 letters and digits",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | 5-50 letters and digits",
      "http://myregistry.azurecr.io | only reachable over https",
      "myregistry.azurecr.io/samples/hello | image reference",
      "https://myregistry.azurecr.io/samples | has no path",
      "user:pw@myregistry.azurecr.io | credentials do not belong",
      "myregistry.azurecr.io:99999 | port must be a number",
      "'' | it is empty"})
  void invalidReferencesSayWhatIsWrongAndShowAValidExample(String reference, String why) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Registry.parse(reference));
    assertTrue(e.getMessage().contains(why), e.getMessage());
    assertTrue(e.getMessage().contains("e.g. myregistry or myregistry.azurecr.io"), e.getMessage());
  }

  @Test
  void cloudsAreLookedUpByCliName() {
    assertSame(AzureCloud.CHINA, AzureCloud.named("AzureChinaCloud"));
    assertSame(AzureCloud.US_GOVERNMENT, AzureCloud.named("usgov"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AzureCloud.named("mars"));
    assertTrue(e.getMessage().contains("AzureCloud, AzureChinaCloud or AzureUSGovernment"));
  }

  @Test
  void customCloudReportsEveryProblemAtOnce() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AzureCloud.builder(AzureCloud.PUBLIC).loginServerSuffix("").authorityHost("http://x")
            .acrAudience("not a url").telemetryPrefix("Bad Prefix").build());
    String m = e.getMessage();
    assertTrue(m.contains("suffix is empty"), m);
    assertTrue(m.contains("authority host must be an https URL"), m);
    assertTrue(m.contains("ACR audience"), m);
    assertTrue(m.contains("telemetry prefix"), m);
  }

  @Test
  void audienceScopesEndInDefault() {
    assertEquals("https://containerregistry.azure.net/.default", AzureCloud.PUBLIC.scope(Audience.ACR));
    assertEquals("https://management.azure.com/.default", AzureCloud.PUBLIC.scope(Audience.ARM));
    assertEquals("https://management.usgovcloudapi.net/.default", AzureCloud.US_GOVERNMENT.scope(Audience.ARM));
  }

  @Test
  void credentialsInTheAddressAreNeverEchoed() {
    for (String reference : List.of("https://admin:S3cretPw@myregistry.azurecr.io", "admin:S3cretPw@myregistry.azurecr.io",
        "https://admin:S3cretPw@myregistry.azurecr.io/samples/hello")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Registry.parse(reference));
      assertFalse(e.getMessage().contains("S3cretPw"), e.getMessage());
      assertTrue(e.getMessage().contains("****@myregistry.azurecr.io"), e.getMessage());
    }
  }
}
