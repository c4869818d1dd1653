package io.github.acrlogin.auth;

import java.util.regex.Pattern;

/**
 * Scrubs secrets out of text that did not come from us (server answers, library exception messages) before
 * it reaches an exception message or a log event. Defence in depth: our own code never puts a secret into
 * text in the first place.
 */
public final class Redaction {

  /** What a scrubbed value is replaced with. */
  public static final String MASK = "****";

  // A JWT (Entra tokens, ACR refresh and access tokens): three base64url parts, the first a JSON header.
  private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
  // name=value or "name":"value" for the fields that carry secrets on the wire.
  private static final Pattern FIELD =
      Pattern.compile(
          "(?i)(\"?(?:client_secret|client_assertion|password|access_token|refresh_token|token|assertion"
              + "|identitytoken|auth|secret)\"?\\s*[=:]\\s*\"?)([^\"&\\s,}]+)");
  private static final Pattern AUTHORIZATION =
      Pattern.compile("(?i)((?:authorization|x-identity-header)\\s*[:=]\\s*(?:basic|bearer)?\\s*)(\\S+)");

  private Redaction() {}

  /** The text with JWTs, secret-bearing fields and authorization values masked; null stays null. */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String s = JWT.matcher(text).replaceAll(MASK);
    s = AUTHORIZATION.matcher(s).replaceAll("$1" + MASK);
    return FIELD.matcher(s).replaceAll("$1" + MASK);
  }

  /** The text with {@code secrets}' values masked too. */
  public static String redact(String text, Secret... secrets) {
    String s = redact(text);
    if (s == null) {
      return null;
    }
    for (Secret secret : secrets) {
      if (secret != null) {
        s = s.replace(secret.reveal(), MASK);
      }
    }
    return s;
  }

  /**
   * A copy of {@code t} and its causes whose messages are redacted, keeping types and stack traces so a
   * debug log stays useful.
   */
  public static Throwable safeCause(Throwable t) {
    if (t == null || t instanceof AcrAuthException || t instanceof RedactedException) {
      return t;
    }
    RedactedException copy =
        new RedactedException(t.getClass().getName() + ": " + redact(t.getMessage()), safeCause(t.getCause()));
    copy.setStackTrace(t.getStackTrace());
    return copy;
  }

  /** Stands in for a third-party exception whose message might have carried a secret. */
  public static final class RedactedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RedactedException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
