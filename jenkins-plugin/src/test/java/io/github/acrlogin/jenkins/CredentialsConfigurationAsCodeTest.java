package io.github.acrlogin.jenkins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import com.cloudbees.plugins.credentials.casc.CredentialsRootConfigurator;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import hudson.util.Secret;
import io.github.acrlogin.auth.CredentialSource.ManagedIdentityId;
import io.jenkins.plugins.casc.ConfigurationContext;
import io.jenkins.plugins.casc.ConfiguratorRegistry;
import io.jenkins.plugins.casc.misc.ConfiguredWithCode;
import io.jenkins.plugins.casc.misc.JenkinsConfiguredWithCodeRule;
import io.jenkins.plugins.casc.misc.junit.jupiter.WithJenkinsConfiguredWithCode;
import io.jenkins.plugins.casc.model.Mapping;
import io.jenkins.plugins.casc.model.Sequence;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import jenkins.model.Jenkins;
import org.junit.jupiter.api.Test;

/** Every credential type imports from YAML under its symbol and exports back, secrets encrypted. */
@WithJenkinsConfiguredWithCode
class CredentialsConfigurationAsCodeTest {

  private static <T extends StandardCredentials> T find(String id, Class<T> type) {
    return type.cast(CredentialsMatchers.firstOrNull(SystemCredentialsProvider.getInstance().getCredentials(),
        CredentialsMatchers.withId(id)));
  }

  @Test
  @ConfiguredWithCode("casc.yaml")
  void importsEveryCredentialType(JenkinsConfiguredWithCodeRule j) {
    AcrServicePrincipalCredentials sp = find("acr-sp", AcrServicePrincipalCredentials.class);
    assertEquals("72f988bf-86f1-41af-91ab-2d7cd011db47", sp.getTenantId());
    assertEquals("11111111-2222-3333-4444-555555555555", sp.getClientId());
    assertEquals("not-a-real-secret", sp.getClientSecret().getPlainText());
    assertEquals("myregistry.azurecr.io", sp.getRegistry());
    assertEquals("AzureCloud", sp.getCloud());

    AcrServicePrincipalCredentials cert = find("acr-sp-cert", AcrServicePrincipalCredentials.class);
    assertEquals("-----BEGIN CERTIFICATE-----\n", new String(cert.getCertificate().getPlainData(),
        java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals("AzureChinaCloud", cert.getCloud());
    assertNull(cert.getClientSecret());

    AcrManagedIdentityCredentials mi = find("acr-mi", AcrManagedIdentityCredentials.class);
    assertEquals(ManagedIdentityId.CLIENT_ID, mi.getIdentityType());
    assertEquals("22222222-3333-4444-5555-666666666666", mi.getIdentityId());

    AcrManagedIdentityCredentials system = find("acr-mi-system", AcrManagedIdentityCredentials.class);
    assertEquals(ManagedIdentityId.SYSTEM_ASSIGNED, system.getIdentityType());

    AcrWorkloadIdentityCredentials wi = find("acr-wi", AcrWorkloadIdentityCredentials.class);
    assertEquals("/var/run/secrets/azure/tokens/azure-identity-token", wi.getTokenFile());
    assertNull(wi.getTokenVariable());
    AcrWorkloadIdentityCredentials wiVar = find("acr-wi-var", AcrWorkloadIdentityCredentials.class);
    assertEquals("OIDC_TOKEN", wiVar.getTokenVariable());
  }

  @Test
  @ConfiguredWithCode("casc.yaml")
  void exportsEveryCredentialTypeWithEncryptedSecrets(JenkinsConfiguredWithCodeRule j) throws Exception {
    CredentialsRootConfigurator root = Jenkins.get().getExtensionList(CredentialsRootConfigurator.class).get(0);
    ConfigurationContext context = new ConfigurationContext(ConfiguratorRegistry.get());
    Mapping node = Objects.requireNonNull(root.describe(root.getTargetComponent(context), context)).asMapping();
    Sequence credentials = node.get("system").asMapping().get("domainCredentials").asSequence()
        .get(0).asMapping().get("credentials").asSequence();
    Map<String, Mapping> byId = new HashMap<>();
    for (int i = 0; i < credentials.size(); i++) {
      Mapping entry = credentials.get(i).asMapping();
      String symbol = entry.keySet().iterator().next();
      Mapping body = entry.get(symbol).asMapping();
      byId.put(symbol + ":" + body.getScalarValue("id"), body);
    }
    Mapping sp = byId.get("acrServicePrincipal:acr-sp");
    assertNotNull(sp, "exported under its symbol: " + byId.keySet());
    String exportedSecret = sp.getScalarValue("clientSecret");
    assertNotEquals("not-a-real-secret", exportedSecret);
    assertEquals("not-a-real-secret", Secret.decrypt(exportedSecret).getPlainText());
    assertEquals("myregistry.azurecr.io", sp.getScalarValue("registry"));
    assertNotNull(byId.get("acrServicePrincipal:acr-sp-cert"));
    assertEquals("CLIENT_ID", byId.get("acrManagedIdentity:acr-mi").getScalarValue("identityType"));
    assertEquals("/var/run/secrets/azure/tokens/azure-identity-token",
        byId.get("acrWorkloadIdentity:acr-wi").getScalarValue("tokenFile"));
  }
}
