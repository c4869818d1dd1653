package io.github.acrlogin.it;

import java.util.Set;

/**
 * Azure built-in roles on a registry, reduced to the registry actions they allow. This is the mapping
 * of ACR-PROTOCOL.md (AcrPull: pull; AcrPush: pull and push; AcrDelete: delete; Owner and Contributor:
 * everything), not a full model of Azure RBAC.
 */
public enum Role {
  ACR_PULL(Set.of("pull", "metadata_read")),
  ACR_PUSH(Set.of("pull", "push", "metadata_read", "metadata_write")),
  ACR_DELETE(Set.of("delete")),
  CONTRIBUTOR(Set.of("pull", "push", "delete", "metadata_read", "metadata_write", "*")),
  OWNER(Set.of("pull", "push", "delete", "metadata_read", "metadata_write", "*")),
  /** Azure's Reader: reads the registry resource in ARM, and may pull (as ACR documents for Reader). */
  READER(Set.of("pull", "metadata_read"));

  private final Set<String> repositoryActions;

  Role(Set<String> repositoryActions) {
    this.repositoryActions = repositoryActions;
  }

  /**
   * Whether this role allows a management-plane (ARM) action on the registry resource:
   * {@code Microsoft.ContainerRegistry/registries/read} (Owner, Contributor, Reader) or {@code .../write}
   * (Owner, Contributor). The AcrPull/AcrPush/AcrDelete data-plane roles allow neither.
   */
  boolean allowsArm(boolean write) {
    return this == OWNER || this == CONTRIBUTOR || (this == READER && !write);
  }

  /** Whether this role allows {@code action} on a resource of {@code type} ("repository" or "registry"). */
  boolean allows(String type, String name, String action) {
    if ("registry".equals(type)) {
      // Listing the catalog is a read of the whole registry: any role that can pull may list.
      return repositoryActions.contains("pull") && "catalog".equals(name) && "*".equals(action);
    }
    return "repository".equals(type) && repositoryActions.contains(action);
  }
}
