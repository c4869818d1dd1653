package io.github.acrlogin.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the whole test bed with one registry and one service principal holding AcrPush, prints the
 * environment a user needs to point the Maven plugin, Docker tooling or skopeo at it, and runs until
 * standard input closes or the process is interrupted (Ctrl-C).
 *
 * <p>It prints the service principal's secret and the registry's admin password on purpose: this is a
 * throwaway local demo, and a user cannot log in without them.
 */
public final class TestBedMain {
  private TestBedMain() {}

  public static void main(String[] args) throws InterruptedException {
    String name = args.length > 0 ? args[0] : "myregistry";
    AcrTestBed bed = AcrTestBed.start();
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      bed.close();
      stop.countDown();
    }, "test-bed-shutdown"));
    TestRegistry registry = bed.addRegistry(name, r -> r.adminUser(true));
    ServicePrincipal sp = bed.addServicePrincipal();
    bed.grant(sp, registry, Role.ACR_PUSH);
    print(System.out, bed, registry, sp);

    Thread stdin = new Thread(() -> {
      try (InputStream in = System.in) {
        while (in.read() >= 0) {
          // wait for end of input
        }
      } catch (IOException e) {
        // treat like end of input
      }
      stop.countDown();
    }, "test-bed-stdin");
    stdin.setDaemon(true);
    stdin.start();
    stop.await();
    bed.close();
  }

  static void print(PrintStream out, AcrTestBed bed, TestRegistry registry, ServicePrincipal sp) {
    String trustOpts = "-Djavax.net.ssl.trustStore=" + bed.trustStore() + " -Djavax.net.ssl.trustStorePassword="
        + bed.trustStorePassword() + " -Djavax.net.ssl.trustStoreType=PKCS12";
    out.println("# acr-login test bed is running (close stdin or press Ctrl-C to stop)");
    out.println("export ACR_LOGIN_SERVER=" + registry.loginServer());
    out.println("export AZURE_TENANT_ID=" + sp.tenantId());
    out.println("export AZURE_CLIENT_ID=" + sp.clientId());
    out.println("export AZURE_CLIENT_SECRET='" + sp.requireSecret() + "'");
    out.println("export AZURE_AUTHORITY_HOST=" + bed.authorityHost());
    out.println("export MAVEN_OPTS='" + trustOpts + "'");
    out.println("export JAVA_TOOL_OPTIONS='" + trustOpts + "'");
    out.println("# trust store: " + bed.trustStore() + " (PKCS12, password " + bed.trustStorePassword() + ")");
    out.println("# CA certificate: " + bed.ca().caPem());
    out.println("# skopeo cert dir: " + bed.certDir());
    out.println("# ACR realm (token service): " + bed.emulator().realm());
    out.println("# managed identity: IDENTITY_ENDPOINT=" + bed.identityEndpoint() + " IDENTITY_HEADER="
        + bed.identityHeader());
    out.println("# admin user: " + registry.adminUsername() + " / " + registry.adminPassword());
    out.println("# e.g. skopeo inspect --cert-dir " + bed.certDir() + " --creds " + registry.adminUsername()
        + ":<admin password> docker://" + registry.loginServer() + "/<repository>:<tag>");
    out.println("# registry log: " + registry.logFile());
    out.flush();
  }
}
