package io.github.acrlogin.it.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.acrlogin.auth.AuthEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects, across one test class, every {@link AuthEvent} shared-auth emitted and every text a user would
 * read (exception messages, child-process output), plus every secret the bed issued or the tests obtained;
 * {@link #assertNoSecretLeaked()} then checks that no text contains any secret, nor anything shaped like a
 * JWT (Entra tokens, which the tests never see, included).
 */
final class SecretWatch {
  private final List<AuthEvent> events = new CopyOnWriteArrayList<>();
  private final List<String> texts = new CopyOnWriteArrayList<>();
  private final Set<String> secrets = ConcurrentHashMap.newKeySet();

  void event(AuthEvent event) {
    events.add(event);
  }

  /** Remembers secrets that must never show up in an event or message. */
  void secret(String... values) {
    for (String v : values) {
      if (v != null && !v.isEmpty()) {
        secrets.add(v);
      }
    }
  }

  /** Remembers a text a user would read (e.g. an exception's message and its causes'). */
  void text(String text) {
    if (text != null) {
      texts.add(text);
    }
  }

  /** Remembers the message and {@code toString()} of {@code t} and of its causes; returns {@code t}. */
  <T extends Throwable> T thrown(T t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      text(c.getMessage());
      text(c.toString());
    }
    return t;
  }

  List<AuthEvent> events() {
    return List.copyOf(events);
  }

  int secretCount() {
    return secrets.size();
  }

  void assertNoSecretLeaked() {
    List<String> all = new ArrayList<>(texts);
    events.forEach(e -> all.add(e.toString()));
    assertTrue(!all.isEmpty(), "no events or messages were collected; the check would prove nothing");
    assertTrue(!secrets.isEmpty(), "no secrets were registered; the check would prove nothing");
    List<String> leaks = new ArrayList<>();
    for (String text : all) {
      for (String secret : secrets) {
        if (text.contains(secret)) {
          leaks.add("a secret of " + secret.length() + " characters in: " + text.replace(secret, "<SECRET>"));
        }
      }
      // A JWT's header starts with base64url("{\"") = eyJ; no message has a reason to hold one.
      if (text.matches("(?s).*eyJ[A-Za-z0-9_-]{10,}.*")) {
        leaks.add("something shaped like a JWT in: " + text.replaceAll("eyJ[A-Za-z0-9_.-]*", "<JWT>"));
      }
    }
    assertTrue(leaks.isEmpty(), "secrets leaked (" + all.size() + " texts checked against " + secrets.size()
        + " secrets):\n" + String.join("\n", leaks));
  }
}
