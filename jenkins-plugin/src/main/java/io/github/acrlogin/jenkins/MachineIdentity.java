package io.github.acrlogin.jenkins;

import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.CredentialSource.ManagedIdentityId;
import java.io.Serializable;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;

/**
 * A managed or workload identity as it travels to the agent that owns it: ids and paths only, never a secret
 * (a federated token is read there, from a file or from the step's environment, when Entra is called).
 */
final class MachineIdentity implements Serializable {

  private static final long serialVersionUID = 1L;

  private final boolean workload;
  private final ManagedIdentityId managedBy;
  private final String managedId;
  private final String tenantId;
  private final String clientId;
  private final String tokenFile;
  private final String tokenVariable;

  private MachineIdentity(boolean workload, ManagedIdentityId managedBy, String managedId, String tenantId,
      String clientId, String tokenFile, String tokenVariable) {
    this.workload = workload;
    this.managedBy = managedBy;
    this.managedId = managedId;
    this.tenantId = tenantId;
    this.clientId = clientId;
    this.tokenFile = tokenFile;
    this.tokenVariable = tokenVariable;
  }

  static MachineIdentity managed(ManagedIdentityId by, String id) {
    return new MachineIdentity(false, by, id, null, null, null, null);
  }

  static MachineIdentity workload(String tenantId, String clientId, String tokenFile, String tokenVariable) {
    return new MachineIdentity(true, null, null, tenantId, clientId, tokenFile, tokenVariable);
  }

  /** The variable holding the federated token, if the identity reads it from the environment. */
  String tokenVariable() {
    return tokenVariable;
  }

  /**
   * What travels to the agent with this identity: the Azure-related variables of the step's environment (see
   * {@link Authenticators#azureVariables}) plus, when the identity reads its federated token from a variable, that
   * variable. Sent in a call, never persisted.
   */
  Map<String, String> variablesFor(Map<String, String> stepEnvironment) {
    Map<String, String> vars = Authenticators.azureVariables(stepEnvironment);
    if (tokenVariable != null && stepEnvironment.get(tokenVariable) != null) {
      vars.put(tokenVariable, stepEnvironment.get(tokenVariable));
    }
    return vars;
  }

  /**
   * The settings that choose the JVM-wide authenticator on the agent: {@code variables} without the federated
   * token, so that an authenticator is never keyed by a short-lived secret.
   */
  Map<String, String> settingsOf(Map<String, String> variables) {
    Map<String, String> settings = new TreeMap<>(variables);
    if (tokenVariable != null) {
      settings.remove(tokenVariable);
    }
    return settings;
  }

  /**
   * Builds the shared-auth source where the identity lives. Blank tenant, client id or token file fall back to
   * {@code AZURE_TENANT_ID}, {@code AZURE_CLIENT_ID} and {@code AZURE_FEDERATED_TOKEN_FILE}, as AKS sets them.
   *
   * @throws IllegalArgumentException saying what is missing or malformed
   */
  CredentialSource toSource(Map<String, String> env) {
    if (!workload) {
      return managedBy == null || managedBy == ManagedIdentityId.SYSTEM_ASSIGNED
          ? CredentialSource.managedIdentity()
          : CredentialSource.managedIdentity(managedBy, managedId);
    }
    String tenant = firstNonBlank(tenantId, env.get("AZURE_TENANT_ID"));
    String client = firstNonBlank(clientId, env.get("AZURE_CLIENT_ID"));
    if (tokenVariable != null) {
      String variable = tokenVariable;
      return CredentialSource.workloadIdentity(tenant, client, () -> {
        String token = env.get(variable);
        if (token == null || token.isBlank()) {
          throw new IllegalStateException("environment variable " + variable + " holds no federated token; bind it"
              + " with withCredentials([string(credentialsId: '...', variable: '" + variable + "')])");
        }
        return token.trim();
      });
    }
    String file = firstNonBlank(tokenFile, env.get("AZURE_FEDERATED_TOKEN_FILE"));
    if (file == null) {
      throw new IllegalArgumentException("Invalid workload identity: no federated token file is configured and"
          + " AZURE_FEDERATED_TOKEN_FILE is not set on this agent");
    }
    return CredentialSource.workloadIdentity(tenant, client, Paths.get(file));
  }

  private static String firstNonBlank(String a, String b) {
    if (a != null && !a.isBlank()) {
      return a.trim();
    }
    return b == null || b.isBlank() ? null : b.trim();
  }
}
