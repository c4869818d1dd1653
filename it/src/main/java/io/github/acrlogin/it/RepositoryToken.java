package io.github.acrlogin.it;

import java.util.Map;
import java.util.Set;

/**
 * A repository-scoped (non-Entra) token of a registry: a user name, two passwords and a scope map.
 * {@code toString()} hides the passwords.
 */
public record RepositoryToken(String loginServer, String name, String password1, String password2,
    Map<String, Set<RepositoryPermission>> scopeMap) {

  public RepositoryToken {
    scopeMap = Map.copyOf(scopeMap);
  }

  @Override
  public String toString() {
    return "RepositoryToken[" + name + "@" + loginServer + ", scopeMap=" + scopeMap + "]";
  }
}
