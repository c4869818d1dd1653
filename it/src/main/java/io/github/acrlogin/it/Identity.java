package io.github.acrlogin.it;

/** A Microsoft Entra identity the emulator knows: it can hold roles on registries. */
public sealed interface Identity permits ServicePrincipal, ManagedIdentity, WorkloadIdentity {
  /** Directory (tenant) id. */
  String tenantId();

  /** Application (client) id: {@code appid} in tokens. */
  String clientId();

  /** Object id of the principal: {@code oid} in tokens, the key of role assignments. */
  String objectId();
}
