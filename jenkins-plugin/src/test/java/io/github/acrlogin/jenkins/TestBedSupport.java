package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.Credentials;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import hudson.EnvVars;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.it.AcrTestBed;
import java.io.IOException;
import java.util.Map;

/**
 * One ACR test bed per test JVM, wired into the plugin: this JVM and agent JVMs trust its CA, Entra and the
 * managed-identity endpoint point at its emulator.
 */
final class TestBedSupport {

  private static AcrTestBed bed;

  private TestBedSupport() {}

  static synchronized AcrTestBed bed() {
    if (bed == null) {
      bed = AcrTestBed.start();
      // Tools in this JVM that use the default trust store (the durable-task controller side does not need it,
      // but a built-in-node login through FilePath.act runs here).
      System.setProperty("javax.net.ssl.trustStore", bed.trustStore().toString());
      System.setProperty("javax.net.ssl.trustStorePassword", bed.trustStorePassword());
      System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
      Authenticators.overrideForTests(HttpSettings.builder().sslContext(bed.sslContext()).build(), Map.of(
          "AZURE_AUTHORITY_HOST", bed.authorityHost(),
          "IDENTITY_ENDPOINT", bed.identityEndpoint(),
          "IDENTITY_HEADER", bed.identityHeader()));
      AcrTestBed started = bed;
      Runtime.getRuntime().addShutdownHook(new Thread(started::close));
    }
    return bed;
  }

  /** The environment of an agent JVM that lives on an emulated Azure machine and trusts the test CA. */
  static EnvVars agentEnvironment() {
    AcrTestBed b = bed();
    EnvVars env = new EnvVars();
    env.put("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=" + b.trustStore()
        + " -Djavax.net.ssl.trustStorePassword=" + b.trustStorePassword() + " -Djavax.net.ssl.trustStoreType=PKCS12");
    env.put("AZURE_AUTHORITY_HOST", b.authorityHost());
    env.put("IDENTITY_ENDPOINT", b.identityEndpoint());
    env.put("IDENTITY_HEADER", b.identityHeader());
    return env;
  }

  static <C extends Credentials> C addGlobal(C credentials) throws IOException {
    SystemCredentialsProvider.getInstance().getCredentials().add(credentials);
    SystemCredentialsProvider.getInstance().save();
    return credentials;
  }
}
