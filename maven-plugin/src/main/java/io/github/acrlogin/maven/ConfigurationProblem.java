package io.github.acrlogin.maven;

/**
 * A bad plugin configuration. The message names the XML element (and user property) at fault and says what to
 * write instead; it never contains a secret.
 */
public final class ConfigurationProblem extends Exception {

  private static final long serialVersionUID = 1L;

  ConfigurationProblem(String message) {
    super(message, null, false, false);
  }
}
