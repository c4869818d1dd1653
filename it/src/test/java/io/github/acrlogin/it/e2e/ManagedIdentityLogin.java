package io.github.acrlogin.it.e2e;

import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.DockerConfig;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a child JVM by {@link ManagedIdentityEndToEndTest}: Azure Identity (MSAL4J) reads
 * {@code IDENTITY_ENDPOINT} and {@code IDENTITY_HEADER} with {@code System.getenv}, so a managed-identity
 * login needs them in the real process environment. Logs in with shared-auth using the process environment
 * and the JVM trust store (the parent passes the bed's), writes the login to {@code <dir>/config.json} and
 * prints only non-secret facts: {@code EVENT ...} lines, then {@code LOGIN <user>} or {@code FAILED <reason>
 * <message>}.
 *
 * <p>Args: {@code <loginServer> <authorityHost> <configDir> system | client_id <id> | object_id <id> |
 * resource_id <id>}.
 */
public final class ManagedIdentityLogin {
  private ManagedIdentityLogin() {}

  public static void main(String[] args) throws Exception {
    AzureCloud cloud = AzureCloud.builder(AzureCloud.PUBLIC).name("TestBed").authorityHost(args[1]).build();
    Registry registry = Registry.parse(args[0], cloud);
    CredentialSource source = switch (args[3]) {
      case "system" -> CredentialSource.managedIdentity();
      case "client_id" -> CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.CLIENT_ID, args[4]);
      case "object_id" -> CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.OBJECT_ID, args[4]);
      case "resource_id" ->
          CredentialSource.managedIdentity(CredentialSource.ManagedIdentityId.RESOURCE_ID, args[4]);
      default -> throw new IllegalArgumentException("unknown managed identity kind " + args[3]);
    };
    AcrAuthenticator acr = AcrAuthenticator.builder().clientName("acr-login-it")
        .listener(e -> System.out.println("EVENT " + e.toString().replace('\n', ' '))).build();
    try {
      RegistryLogin login = acr.login(registry, source);
      DockerConfig.write(Path.of(args[2]), List.of(login));
      System.out.println("LOGIN " + login.username() + " refreshToken=" + login.isRefreshToken());
    } catch (AcrAuthException e) {
      System.out.println("FAILED " + e.reason() + " " + e.getMessage());
      System.exit(2);
    }
    System.exit(0);
  }
}
