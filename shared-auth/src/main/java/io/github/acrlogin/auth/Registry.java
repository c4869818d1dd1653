package io.github.acrlogin.auth;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An Azure container registry, addressed by its login server.
 *
 * <p>{@link #parse(String)} accepts what users type: {@code myregistry}, {@code myregistry.azurecr.io},
 * {@code https://MyRegistry.azurecr.io/}. Login servers of the known clouds pick that cloud; any other host
 * (a custom domain, Azure Stack, a test bed on {@code 127.0.0.1:port}) is taken as a login server of the
 * cloud passed to {@link #parse(String, AzureCloud)}.
 */
public final class Registry {

  private static final Pattern NAME = Pattern.compile("[a-z0-9]{5,50}");
  // RFC 1123 host names; IPv4 literals match too.
  private static final Pattern HOST =
      Pattern.compile("(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

  private final String loginServer;
  private final String name;
  private final AzureCloud cloud;

  private Registry(String loginServer, String name, AzureCloud cloud) {
    this.loginServer = loginServer;
    this.name = name;
    this.cloud = cloud;
  }

  /** Parses a registry reference in the public cloud (or the cloud its suffix names). */
  public static Registry parse(String reference) {
    return parse(reference, AzureCloud.PUBLIC);
  }

  /**
   * Parses a registry reference.
   *
   * @param reference a registry name, login server, or {@code https://} URL of one
   * @param cloud the cloud for bare names and for login servers that no known cloud claims
   * @throws IllegalArgumentException saying what a valid reference looks like
   */
  public static Registry parse(String reference, AzureCloud cloud) {
    Objects.requireNonNull(cloud, "cloud");
    if (reference == null || reference.isBlank()) {
      throw invalid(reference, "it is empty");
    }
    String s = reference.trim().toLowerCase(Locale.ROOT);
    if (s.startsWith("https://") || s.startsWith("http://")) {
      if (s.startsWith("http://")) {
        throw invalid(reference, "ACR is only reachable over https");
      }
      URI uri;
      try {
        uri = URI.create(s);
      } catch (IllegalArgumentException e) {
        throw invalid(reference, "it is not a URL");
      }
      String path = uri.getRawPath();
      if (uri.getRawQuery() != null || (path != null && !path.isEmpty() && !path.equals("/") && !path.equals("/v2/"))) {
        throw invalid(reference, "a registry URL has no path; images are named separately");
      }
      s = uri.getRawAuthority();
      if (s == null) {
        throw invalid(reference, "it has no host");
      }
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.contains("@")) {
      throw invalid(reference, "credentials do not belong in the registry address");
    }
    if (s.contains("/")) {
      throw invalid(reference, "this looks like an image reference; give only the registry part");
    }
    if (!s.contains(".") && !s.contains(":")) {
      if (!NAME.matcher(s).matches()) {
        throw invalid(reference, "registry names are 5-50 letters and digits");
      }
      return new Registry(s + cloud.loginServerSuffix(), s, cloud);
    }
    String host = s;
    String port = null;
    int colon = s.lastIndexOf(':');
    if (colon >= 0) {
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
      if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) == 0 || Integer.parseInt(port) > 65535) {
        throw invalid(reference, "the port must be a number from 1 to 65535");
      }
    }
    if (!HOST.matcher(host).matches()) {
      throw invalid(reference, "'" + host + "' is not a valid host name");
    }
    AzureCloud owner = cloudOf(host, cloud);
    if (owner != null) {
      String label = host.substring(0, host.length() - owner.loginServerSuffix().length());
      if (!NAME.matcher(label).matches()) {
        throw invalid(reference, "registry names are 5-50 letters and digits");
      }
      return new Registry(s, label, owner);
    }
    // Custom domain or private endpoint host: keep the whole host, name it by its first label.
    int dot = host.indexOf('.');
    return new Registry(s, dot < 0 ? host : host.substring(0, dot), cloud);
  }

  private static AzureCloud cloudOf(String host, AzureCloud preferred) {
    if (host.endsWith(preferred.loginServerSuffix())) {
      return preferred;
    }
    for (AzureCloud c : AzureCloud.knownClouds()) {
      if (host.endsWith(c.loginServerSuffix())) {
        return c;
      }
    }
    return null;
  }

  private static IllegalArgumentException invalid(String reference, String why) {
    // Never echo credentials someone put in the address (https://user:password@host).
    String shown = reference == null ? "" : reference.trim().replaceAll("^([a-zA-Z]+://)?[^/@]*@", "$1****@");
    return new IllegalArgumentException(
        "Invalid registry '"
            + shown
            + "': "
            + why
            + ". Use a registry name or login server, e.g. myregistry or myregistry.azurecr.io");
  }

  /** Normalised login server: lowercase host with optional port, e.g. {@code myregistry.azurecr.io}. */
  public String loginServer() {
    return loginServer;
  }

  /** Registry name (first label of the login server), e.g. {@code myregistry}. */
  public String name() {
    return name;
  }

  public AzureCloud cloud() {
    return cloud;
  }

  /** {@code https://<login server>}. */
  public URI baseUri() {
    return URI.create("https://" + loginServer);
  }

  /** True when the login server is a loopback address (a local test registry). */
  public boolean isLoopback() {
    String host = loginServer.contains(":") ? loginServer.substring(0, loginServer.lastIndexOf(':')) : loginServer;
    return host.equals("localhost") || host.startsWith("127.");
  }

  /** The same login server in another cloud (for custom authority or audience settings). */
  public Registry inCloud(AzureCloud other) {
    return new Registry(loginServer, name, Objects.requireNonNull(other, "cloud"));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Registry
        && ((Registry) o).loginServer.equals(loginServer)
        && ((Registry) o).cloud.equals(cloud);
  }

  @Override
  public int hashCode() {
    return Objects.hash(loginServer, cloud);
  }

  @Override
  public String toString() {
    return loginServer;
  }
}
