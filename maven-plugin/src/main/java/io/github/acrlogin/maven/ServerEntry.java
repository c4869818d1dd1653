package io.github.acrlogin.maven;

import io.github.acrlogin.auth.Secret;
import java.util.Optional;

/**
 * The parts of a (decrypted) {@code settings.xml} {@code <server>} entry that authentication uses. The password and
 * passphrase stay wrapped in {@link Secret}, which never prints its value.
 */
final class ServerEntry {
  private final String id;
  private final String username;
  private final Secret password;
  private final String privateKey;
  private final Secret passphrase;

  ServerEntry(String id, String username, String password, String privateKey, String passphrase) {
    this.id = id;
    this.username = blank(username) ? null : username.trim();
    this.password = blank(password) ? null : Secret.of(password);
    this.privateKey = blank(privateKey) ? null : privateKey.trim();
    this.passphrase = blank(passphrase) ? null : Secret.of(passphrase);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  Optional<String> username() {
    return Optional.ofNullable(username);
  }

  Optional<Secret> password() {
    return Optional.ofNullable(password);
  }

  Optional<String> privateKey() {
    return Optional.ofNullable(privateKey);
  }

  Optional<Secret> passphrase() {
    return Optional.ofNullable(passphrase);
  }

  @Override
  public String toString() {
    return "server '" + id + "'";
  }
}
