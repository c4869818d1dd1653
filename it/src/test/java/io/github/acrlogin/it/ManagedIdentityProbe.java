package io.github.acrlogin.it;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.ManagedIdentityCredential;
import com.azure.identity.ManagedIdentityCredentialBuilder;

/**
 * Run in a child JVM by {@link AzureIdentityAgainstEmulatorTest}: MSAL4J reads {@code IDENTITY_ENDPOINT}
 * and {@code IDENTITY_HEADER} with {@code System.getenv}, so they must be real environment variables.
 * Prints the token's claims (no token) on success.
 */
public final class ManagedIdentityProbe {
  private ManagedIdentityProbe() {}

  /** Args: {@code system} | {@code client_id <id>} | {@code object_id <id>} | {@code resource_id <id>}. */
  public static void main(String[] args) {
    ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder();
    switch (args[0]) {
      case "client_id" -> b.clientId(args[1]);
      case "object_id" -> b.objectId(args[1]);
      case "resource_id" -> b.resourceId(args[1]);
      default -> { }
    }
    ManagedIdentityCredential credential = b.build();
    AccessToken token = credential.getTokenSync(
        new TokenRequestContext().addScopes("https://containerregistry.azure.net/.default"));
    System.out.println("CLAIMS " + Wire.claims(token.getToken()));
  }
}
