package io.github.acrlogin.auth;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A log event from shared-auth, for the Maven or Jenkins adapter to map to its own logger (the way Jib Core
 * emits {@code LogEvent}s). Messages never contain secrets.
 */
public final class AuthEvent {

  /** Event severity. */
  public enum Level {
    ERROR,
    WARN,
    INFO,
    DEBUG
  }

  /** A listener that drops every event. */
  public static final Consumer<AuthEvent> IGNORE = e -> {};

  private final Level level;
  private final String message;

  private AuthEvent(Level level, String message) {
    this.level = Objects.requireNonNull(level, "level");
    this.message = Objects.requireNonNull(message, "message");
  }

  public static AuthEvent error(String message) {
    return new AuthEvent(Level.ERROR, message);
  }

  public static AuthEvent warn(String message) {
    return new AuthEvent(Level.WARN, message);
  }

  public static AuthEvent info(String message) {
    return new AuthEvent(Level.INFO, message);
  }

  public static AuthEvent debug(String message) {
    return new AuthEvent(Level.DEBUG, message);
  }

  public Level level() {
    return level;
  }

  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return level + ": " + message;
  }
}
