package io.github.acrlogin.auth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A registry access scope in the Docker token format: {@code repository:<name>:<actions>} or
 * {@code registry:catalog:*}. Actions are kept sorted so equal scopes compare and cache equal.
 */
public final class Scope implements Comparable<Scope> {

  /** Pull (read) images. */
  public static final String PULL = "pull";
  /** Push (write) images. */
  public static final String PUSH = "push";
  /** Delete manifests and tags. */
  public static final String DELETE = "delete";
  /** Read repository metadata (tags list and attributes). */
  public static final String METADATA_READ = "metadata_read";

  // Docker distribution's repository grammar: lowercase path components separated by '/'.
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern ACTION = Pattern.compile("[a-z_*]+");

  private final String type;
  private final String name;
  private final Set<String> actions;
  // The wire form, computed once: scopes are cache keys, compared and hashed on every cached lookup.
  private final String wire;

  private Scope(String type, String name, Set<String> actions) {
    this.type = type;
    this.name = name;
    this.actions = Collections.unmodifiableSet(actions);
    this.wire = type + ":" + name + ":" + String.join(",", actions);
  }

  /** {@code repository:<name>:pull}: the least that reading an image needs. */
  public static Scope pull(String repository) {
    return repository(repository, PULL);
  }

  /** {@code repository:<name>:pull,push}: what pushing needs (a push reads blobs too). */
  public static Scope push(String repository) {
    return repository(repository, PULL, PUSH);
  }

  /** {@code registry:catalog:*}: listing repositories (not granted to repository-scoped tokens). */
  public static Scope catalog() {
    return new Scope("registry", "catalog", new TreeSet<>(List.of("*")));
  }

  /**
   * A repository scope.
   *
   * @throws IllegalArgumentException for an invalid repository name or action, with a valid example
   */
  public static Scope repository(String repository, String... actions) {
    validateRepository(repository);
    if (actions.length == 0) {
      throw new IllegalArgumentException("A repository scope needs at least one action, e.g. pull");
    }
    TreeSet<String> set = new TreeSet<>();
    for (String a : actions) {
      String action = Objects.requireNonNull(a, "action").trim().toLowerCase(Locale.ROOT);
      if (!ACTION.matcher(action).matches()) {
        throw new IllegalArgumentException(
            "Invalid action '" + a + "': use pull, push, delete or metadata_read");
      }
      set.add(action);
    }
    return new Scope("repository", repository, set);
  }

  /**
   * Parses {@code type:name:actions}, e.g. {@code repository:samples/hello:pull,push}.
   *
   * @throws IllegalArgumentException naming the expected form
   */
  public static Scope parse(String scope) {
    String s = Objects.requireNonNull(scope, "scope").trim();
    int first = s.indexOf(':');
    int last = s.lastIndexOf(':');
    if (first <= 0 || last == first || last == s.length() - 1) {
      throw new IllegalArgumentException(
          "Invalid scope '" + scope + "': use repository:<name>:<actions>, e.g. repository:samples/hello:pull");
    }
    String type = s.substring(0, first);
    String name = s.substring(first + 1, last);
    String[] actions = s.substring(last + 1).split(",");
    if (type.equals("registry") && name.equals("catalog")) {
      return catalog();
    }
    if (!type.equals("repository")) {
      throw new IllegalArgumentException(
          "Invalid scope '" + scope + "': the type must be repository (or registry:catalog:*)");
    }
    return repository(name, actions);
  }

  /**
   * Checks a repository name against the registry's grammar.
   *
   * @throws IllegalArgumentException showing a valid example
   */
  public static void validateRepository(String repository) {
    String why = null;
    if (repository == null || repository.isEmpty()) {
      why = "it is empty";
    } else if (repository.length() > 255) {
      why = "it is longer than 255 characters";
    } else if (!repository.equals(repository.toLowerCase(Locale.ROOT))) {
      why = "it must be lowercase";
    } else {
      for (String component : repository.split("/", -1)) {
        if (!COMPONENT.matcher(component).matches()) {
          why = "'" + component + "' is not a valid path component";
          break;
        }
      }
    }
    if (why != null) {
      throw new IllegalArgumentException(
          "Invalid repository name '"
              + repository
              + "': "
              + why
              + ". Use lowercase letters, digits and . _ - separators, with / between levels,"
              + " e.g. samples/hello-world");
    }
  }

  /** {@code repository} or {@code registry}. */
  public String type() {
    return type;
  }

  /** Repository name, or {@code catalog}. */
  public String name() {
    return name;
  }

  /** Sorted actions. */
  public Set<String> actions() {
    return actions;
  }

  /** True when this scope's actions include every action of {@code other} on the same resource. */
  public boolean covers(Scope other) {
    return type.equals(other.type)
        && name.equals(other.name)
        && (actions.contains("*") || actions.containsAll(other.actions));
  }

  /** The scope in wire format, e.g. {@code repository:samples/hello:pull,push}. */
  @Override
  public String toString() {
    return wire;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Scope && ((Scope) o).wire.equals(wire);
  }

  @Override
  public int hashCode() {
    return wire.hashCode();
  }

  @Override
  public int compareTo(Scope o) {
    return wire.compareTo(o.wire);
  }

  /** Parses several scopes, space- or argument-separated. */
  public static List<Scope> parseAll(String... scopes) {
    List<Scope> out = new ArrayList<>();
    for (String s : scopes) {
      for (String part : s.trim().split("\\s+")) {
        if (!part.isEmpty()) {
          out.add(parse(part));
        }
      }
    }
    return out;
  }
}
