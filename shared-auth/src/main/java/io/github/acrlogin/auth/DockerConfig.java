package io.github.acrlogin.auth;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Writes Docker's {@code config.json}, which {@code docker}, {@code podman}, {@code buildah}, {@code skopeo},
 * {@code helm} and Jib all read, into a directory the caller chooses (point {@code DOCKER_CONFIG} at it).
 *
 * <p>Each login becomes {@code auths.<login server>.auth = base64(username:password)}: for an Entra identity
 * the null-GUID user with the ACR refresh token as password, which is exactly what {@code docker login} and
 * {@code az acr login} store, and which every one of those tools sends as Basic credentials to the registry's
 * token endpoint. The {@code identitytoken} form is deliberately not used: containers/image (podman, skopeo)
 * and Jib honour it only in newer versions and Jib only next to an empty-password {@code auth}, whereas the
 * {@code auth} form works everywhere; and it would put a second copy of the secret in the file. A stale
 * {@code identitytoken}, {@code registrytoken}, {@code username} or {@code password} left in a rewritten entry
 * is removed, because Docker would prefer it to the fresh {@code auth}.
 *
 * <p>The existing file is merged, not replaced: every other key ({@code credsStore}, {@code proxies},
 * {@code credHelpers} and {@code auths} of other registries, keys this class does not know) is kept in its
 * order. Entries for the same registry under another spelling ({@code https://myregistry.azurecr.io},
 * {@code .../v2/}) are folded into the one plain login-server key, and a {@code credHelpers} entry for a
 * registry that gets an {@code auth} is removed, since Docker and containers/image would ask the helper
 * instead. A global {@code credsStore} is kept; Docker then consults that store rather than {@code auths}, so
 * prefer a fresh directory per build (as the Jenkins wrapper does).
 *
 * <p>The directory is created with mode 0700 and the file written with mode 0600 (on POSIX file systems),
 * through a temporary file in the same directory that is then moved over the old one, so that a reader never
 * sees half a file. A symbolic link at {@code config.json} is followed and its target replaced. Concurrent
 * writers in one JVM are serialised; nothing here logs, and no exception message contains the file's content.
 */
public final class DockerConfig {

  /** Docker's file name inside a config directory. */
  public static final String FILE_NAME = "config.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DefaultPrettyPrinter PRETTY =
      new DefaultPrettyPrinter()
          .withSeparators(
              Separators.createDefaultInstance()
                  .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                  .withObjectEmptySeparator("")
                  .withArrayEmptySeparator(""))
          .withObjectIndenter(new DefaultIndenter("\t", "\n"))
          .withArrayIndenter(new DefaultIndenter("\t", "\n"));
  // Helper names become executables `docker-credential-<name>` on the PATH.
  private static final Pattern HELPER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  // Fields that would compete with the fresh "auth" (Docker prefers identitytoken, for one).
  private static final Set<String> COMPETING_FIELDS =
      Set.of("identitytoken", "registrytoken", "username", "password");
  // Striped by path: writers of one file serialise, and the set stays fixed however many directories a
  // long-running Jenkins agent writes (one per build).
  private static final ReentrantLock[] LOCKS = newLocks(64);

  private DockerConfig() {}

  /**
   * Writes (or merges) {@code auths} entries for {@code logins} into {@code directory/config.json}.
   *
   * @return the file written
   * @throws IllegalArgumentException listing every invalid login (two for one registry, a user name with a
   *     colon)
   * @throws IOException if the directory cannot be created, or the existing file is not a JSON object (it is
   *     then left alone)
   */
  public static Path write(Path directory, Collection<RegistryLogin> logins) throws IOException {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(logins, "logins");
    List<String> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (RegistryLogin login : logins) {
      if (login == null) {
        problems.add("a login is null");
        continue;
      }
      String ls = login.registry().loginServer();
      if (!seen.add(ls)) {
        problems.add("two logins for " + ls);
      }
      if (login.username().contains(":")) {
        problems.add("the user name for " + ls + " contains ':', which Basic credentials cannot carry");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("Cannot write Docker config: " + String.join("; ", problems));
    }
    return update(directory, root -> {
      ObjectNode auths = object(root, "auths", true);
      ObjectNode helpers = object(root, "credHelpers", false);
      for (RegistryLogin login : logins) {
        String ls = login.registry().loginServer();
        JsonNode existing = auths.get(ls);
        ObjectNode entry = existing instanceof ObjectNode ? (ObjectNode) existing : JSON.createObjectNode();
        removeAliases(auths, ls, false);
        entry.remove(COMPETING_FIELDS);
        entry.put("auth", basic(login)); // in place when it exists
        auths.set(ls, entry); // replaces in place: the user's order is kept
        if (helpers != null) {
          removeAliases(helpers, ls, true);
        }
      }
      return true;
    });
  }

  /**
   * Makes Docker ask {@code docker-credential-<helperName>} for {@code loginServer}'s credentials
   * ({@code credHelpers.<login server> = helperName}), merging with the existing file. An {@code auths} entry
   * for that registry is removed: the helper supersedes it, and a stale refresh token should not linger.
   *
   * @param loginServer a registry name or login server, as {@link Registry#parse(String)} accepts
   * @param helperName the helper's suffix, e.g. {@code acr} for {@code docker-credential-acr}
   * @return the file written
   */
  public static Path useCredentialHelper(Path directory, String loginServer, String helperName) throws IOException {
    Objects.requireNonNull(directory, "directory");
    String ls = Registry.parse(loginServer).loginServer();
    if (helperName == null || !HELPER.matcher(helperName).matches() || helperName.startsWith("docker-credential-")) {
      throw new IllegalArgumentException(
          "Invalid credential helper name '" + helperName + "': give the suffix of the executable's name, e.g. acr"
              + " for docker-credential-acr");
    }
    return update(directory, root -> {
      ObjectNode helpers = object(root, "credHelpers", true);
      removeAliases(helpers, ls, false);
      helpers.put(ls, helperName);
      ObjectNode auths = object(root, "auths", false);
      if (auths != null) {
        removeAliases(auths, ls, true);
      }
      return true;
    });
  }

  /**
   * Removes {@code loginServer}'s {@code auths} and {@code credHelpers} entries (under any spelling), keeping
   * everything else.
   *
   * @return true if something was removed (the file is rewritten only then)
   */
  public static boolean remove(Path directory, String loginServer) throws IOException {
    Objects.requireNonNull(directory, "directory");
    String ls = Registry.parse(loginServer).loginServer();
    if (!Files.exists(directory.resolve(FILE_NAME))) {
      return false;
    }
    boolean[] removed = {false};
    update(directory, root -> {
      for (String section : List.of("auths", "credHelpers")) {
        ObjectNode node = object(root, section, false);
        if (node != null) {
          removed[0] |= removeAliases(node, ls, true);
        }
      }
      return removed[0];
    });
    return removed[0];
  }

  // ------------------------------------------------------------------ shared with the credential helper

  /** A change to a parsed JSON object; returns whether anything changed. */
  interface Edit {
    boolean apply(ObjectNode root) throws IOException;
  }

  /** Reads {@code directory/config.json}, applies {@code edit} and writes it back atomically. */
  private static Path update(Path directory, Edit edit) throws IOException {
    Path file = target(directory);
    ReentrantLock lock = LOCKS[Math.floorMod(file.toAbsolutePath().normalize().hashCode(), LOCKS.length)];
    lock.lock();
    try {
      ObjectNode root = readObject(file);
      if (edit.apply(root)) {
        writeAtomically(file, toBytes(root));
      }
      return file;
    } finally {
      lock.unlock();
    }
  }

  /** The file to write: {@code directory/config.json}, or its target if it is a symbolic link. */
  private static Path target(Path directory) throws IOException {
    createPrivateDirectory(directory);
    Path file = directory.resolve(FILE_NAME);
    if (Files.isSymbolicLink(file) && Files.exists(file)) {
      return file.toRealPath();
    }
    return file;
  }

  /** Creates {@code directory} (and missing parents) with mode 0700 on POSIX file systems. */
  static void createPrivateDirectory(Path directory) throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    if (isPosix()) {
      Files.createDirectories(
          directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(directory);
    }
  }

  /**
   * The JSON object in {@code file}, or an empty one if the file does not exist or is empty.
   *
   * @throws IOException naming the file and position, never its content, if it is not a JSON object
   */
  static ObjectNode readObject(Path file) throws IOException {
    if (!Files.exists(file)) {
      return JSON.createObjectNode();
    }
    byte[] bytes = Files.readAllBytes(file);
    if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
      return JSON.createObjectNode();
    }
    JsonNode node;
    try {
      node = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      // Jackson quotes the offending text, which may be a secret: keep only the position.
      JsonLocation at = e.getLocation();
      throw new IOException(
          file + " is not valid JSON"
              + (at != null ? " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")" : "")
              + "; fix or remove it; it was left unchanged");
    }
    if (!(node instanceof ObjectNode)) {
      throw new IOException(file + " does not hold a JSON object; fix or remove it; it was left unchanged");
    }
    return (ObjectNode) node;
  }

  /** Pretty-printed with tabs and a final newline, like {@code docker login} writes it. */
  static byte[] toBytes(JsonNode root) throws IOException {
    String text = JSON.writer(PRETTY).writeValueAsString(root);
    return (text + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Replaces {@code file} with {@code content}, readable by its owner only: written to a 0600 temporary file in
   * the same directory, then moved over the old one (atomically where the file system allows), so no other user
   * ever sees it and a failed write leaves the old file intact. For any file that holds a token.
   */
  public static void writePrivate(Path file, byte[] content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    writeAtomically(file, content);
  }

  static void writeAtomically(Path file, byte[] content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    FileAttribute<?>[] attrs =
        isPosix()
            ? new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
            : new FileAttribute<?>[0];
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp", attrs);
    try {
      Files.write(tmp, content);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    if (isPosix() && !Files.isSymbolicLink(file)) {
      // The move keeps the temporary file's 0600; set it again in case a file system ignored the attribute.
      Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rw-------");
      if (!Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).equals(mode)) {
        Files.setPosixFilePermissions(file, mode);
      }
    }
  }

  /**
   * The host (and port) of a Docker server address: {@code https://Foo.azurecr.io/v2/} gives
   * {@code foo.azurecr.io}. Docker keys {@code auths} by whatever the user typed, so lookups compare this.
   */
  static String hostOf(String serverAddress) {
    String s = serverAddress.trim().toLowerCase(Locale.ROOT);
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int slash = s.indexOf('/');
    return slash >= 0 ? s.substring(0, slash) : s;
  }

  static boolean isPosix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  // ------------------------------------------------------------------ internals

  private static String basic(RegistryLogin login) {
    String pair = login.username() + ":" + login.password().reveal();
    return Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code root.name} as an object, created if {@code create}; null if absent and not created. */
  private static ObjectNode object(ObjectNode root, String name, boolean create) throws IOException {
    JsonNode node = root.get(name);
    if (node == null || node.isNull()) {
      if (!create) {
        return null;
      }
      ObjectNode created = JSON.createObjectNode();
      root.set(name, created);
      return created;
    }
    if (!(node instanceof ObjectNode)) {
      throw new IOException(
          "\"" + name + "\" in Docker's " + FILE_NAME + " is not a JSON object; fix or remove it");
    }
    return (ObjectNode) node;
  }

  /** Removes the keys of {@code node} that name {@code host}, also the exact key if {@code exact}. */
  private static boolean removeAliases(ObjectNode node, String host, boolean exact) {
    List<String> doomed = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (hostOf(key).equals(host) && (exact || !key.equals(host))) {
        doomed.add(key);
      }
    }
    node.remove(doomed);
    return !doomed.isEmpty();
  }

  private static ReentrantLock[] newLocks(int n) {
    ReentrantLock[] locks = new ReentrantLock[n];
    for (int i = 0; i < n; i++) {
      locks[i] = new ReentrantLock();
    }
    return locks;
  }
}
