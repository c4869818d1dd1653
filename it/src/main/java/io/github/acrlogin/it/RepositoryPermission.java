package io.github.acrlogin.it;

/** The actions of an ACR scope map (repository-scoped tokens), and the registry action each grants. */
public enum RepositoryPermission {
  CONTENT_READ("content/read", "pull"),
  CONTENT_WRITE("content/write", "push"),
  CONTENT_DELETE("content/delete", "delete"),
  METADATA_READ("metadata/read", "metadata_read"),
  METADATA_WRITE("metadata/write", "metadata_write");

  private final String scopeMapAction;
  private final String registryAction;

  RepositoryPermission(String scopeMapAction, String registryAction) {
    this.scopeMapAction = scopeMapAction;
    this.registryAction = registryAction;
  }

  /** As written in a scope map, e.g. {@code content/read}. */
  public String scopeMapAction() {
    return scopeMapAction;
  }

  /** The action in a registry token scope, e.g. {@code pull}. */
  public String registryAction() {
    return registryAction;
  }
}
