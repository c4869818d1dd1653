package io.github.acrlogin.auth;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An Azure cloud as far as ACR authentication cares: where Entra lives, which audiences to ask for, and
 * which login-server suffix its registries have.
 *
 * <p>The three public clouds are constants; anything else (Azure Stack Hub, custom domains, a test bed) is
 * built with {@link #builder(AzureCloud)}, starting from the cloud it most resembles.
 */
public final class AzureCloud {

  /** The ACR audience that current Azure SDKs request in every public cloud. */
  public static final String ACR_AUDIENCE = "https://containerregistry.azure.net";

  /** Azure public cloud: {@code *.azurecr.io}. */
  public static final AzureCloud PUBLIC =
      new AzureCloud(
          "AzureCloud",
          ".azurecr.io",
          "https://login.microsoftonline.com",
          ACR_AUDIENCE,
          "https://management.azure.com",
          "https://management.azure.com",
          "azure");

  /** Azure operated by 21Vianet (China): {@code *.azurecr.cn}. ACR audience per SDK defaults. */
  public static final AzureCloud CHINA =
      new AzureCloud(
          "AzureChinaCloud",
          ".azurecr.cn",
          "https://login.chinacloudapi.cn",
          ACR_AUDIENCE,
          "https://management.chinacloudapi.cn",
          "https://management.chinacloudapi.cn",
          "china");

  /** Azure US Government: {@code *.azurecr.us}. ACR audience per SDK defaults. */
  public static final AzureCloud US_GOVERNMENT =
      new AzureCloud(
          "AzureUSGovernment",
          ".azurecr.us",
          "https://login.microsoftonline.us",
          ACR_AUDIENCE,
          "https://management.usgovcloudapi.net",
          "https://management.usgovcloudapi.net",
          "azureusgov");

  private static final List<AzureCloud> KNOWN = List.of(PUBLIC, CHINA, US_GOVERNMENT);

  private final String name;
  private final String loginServerSuffix;
  private final String authorityHost;
  private final String acrAudience;
  private final String armAudience;
  private final String resourceManagerEndpoint;
  private final String telemetryPrefix;

  private AzureCloud(
      String name,
      String loginServerSuffix,
      String authorityHost,
      String acrAudience,
      String armAudience,
      String resourceManagerEndpoint,
      String telemetryPrefix) {
    this.name = name;
    this.loginServerSuffix = loginServerSuffix;
    this.authorityHost = authorityHost;
    this.acrAudience = acrAudience;
    this.armAudience = armAudience;
    this.resourceManagerEndpoint = resourceManagerEndpoint;
    this.telemetryPrefix = telemetryPrefix;
  }

  /** The known public clouds, in lookup order. */
  public static List<AzureCloud> knownClouds() {
    return KNOWN;
  }

  /**
   * Looks a cloud up by its Azure CLI name ({@code AzureCloud}, {@code AzureChinaCloud},
   * {@code AzureUSGovernment}), case-insensitively; also accepts {@code public}, {@code china}, {@code usgov}.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static AzureCloud named(String name) {
    String n = Objects.requireNonNull(name, "name").trim().toLowerCase(Locale.ROOT);
    switch (n) {
      case "azurecloud":
      case "public":
      case "azure":
        return PUBLIC;
      case "azurechinacloud":
      case "china":
        return CHINA;
      case "azureusgovernment":
      case "usgov":
      case "usgovernment":
        return US_GOVERNMENT;
      default:
        throw new IllegalArgumentException(
            "Unknown Azure cloud '"
                + name
                + "': use AzureCloud, AzureChinaCloud or AzureUSGovernment, or configure a custom cloud"
                + " (authority host, audience and login-server suffix)");
    }
  }

  /** Starts a custom cloud from {@code base}, whose settings it inherits until overridden. */
  public static Builder builder(AzureCloud base) {
    return new Builder(base);
  }

  /** Cloud name, e.g. {@code AzureCloud}. */
  public String name() {
    return name;
  }

  /** Login-server suffix with its leading dot, e.g. {@code .azurecr.io}. */
  public String loginServerSuffix() {
    return loginServerSuffix;
  }

  /** Entra authority host, e.g. {@code https://login.microsoftonline.com}. */
  public String authorityHost() {
    return authorityHost;
  }

  /** Audience of ACR-scoped Entra tokens (no {@code /.default}). */
  public String acrAudience() {
    return acrAudience;
  }

  /**
   * Audience of Azure Resource Manager tokens (no {@code /.default}), e.g. {@code https://management.azure.com}.
   * It names the resource a token is for; where ARM requests go is {@link #resourceManagerEndpoint()}.
   */
  public String armAudience() {
    return armAudience;
  }

  /**
   * Where Azure Resource Manager requests go, e.g. {@code https://management.azure.com}. Equal to
   * {@link #armAudience()} in the public clouds and, unless set otherwise, in custom ones; it differs where
   * ARM is reached at another address than the audience it accepts (Azure Stack Hub, a proxy, a test bed).
   */
  public String resourceManagerEndpoint() {
    return resourceManagerEndpoint;
  }

  /** Prefix of the {@code X-Meta-Source-Client} header: {@code azure}, {@code china}, ... */
  public String telemetryPrefix() {
    return telemetryPrefix;
  }

  /** The Entra scope that requests a token for {@code audience} in this cloud. */
  public String scope(Audience audience) {
    String base = audience == Audience.ARM ? armAudience : acrAudience;
    return (base.endsWith("/") ? base : base + "/") + ".default";
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof AzureCloud)) {
      return false;
    }
    AzureCloud c = (AzureCloud) o;
    return name.equals(c.name)
        && loginServerSuffix.equals(c.loginServerSuffix)
        && authorityHost.equals(c.authorityHost)
        && acrAudience.equals(c.acrAudience)
        && armAudience.equals(c.armAudience)
        && resourceManagerEndpoint.equals(c.resourceManagerEndpoint)
        && telemetryPrefix.equals(c.telemetryPrefix);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, loginServerSuffix, authorityHost, acrAudience, armAudience, resourceManagerEndpoint,
        telemetryPrefix);
  }

  @Override
  public String toString() {
    return name + " (authority " + authorityHost + ", registries *" + loginServerSuffix + ")";
  }

  /** Builds a custom cloud; {@link #build()} reports every invalid setting at once. */
  public static final class Builder {
    private String name;
    private String loginServerSuffix;
    private String authorityHost;
    private String acrAudience;
    private String armAudience;
    private String resourceManagerEndpoint; // null: same as the ARM audience
    private String telemetryPrefix;

    private Builder(AzureCloud base) {
      Objects.requireNonNull(base, "base");
      this.name = "Custom";
      this.loginServerSuffix = base.loginServerSuffix;
      this.authorityHost = base.authorityHost;
      this.acrAudience = base.acrAudience;
      this.armAudience = base.armAudience;
      this.resourceManagerEndpoint =
          base.resourceManagerEndpoint.equals(base.armAudience) ? null : base.resourceManagerEndpoint;
      this.telemetryPrefix = base == PUBLIC ? "azurestack" : base.telemetryPrefix;
    }

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** Login-server suffix such as {@code .azurecr.example.com}; a leading dot is added if missing. */
    public Builder loginServerSuffix(String suffix) {
      this.loginServerSuffix = suffix;
      return this;
    }

    /** Entra authority host, an {@code https} URL such as {@code https://login.example.com}. */
    public Builder authorityHost(String authorityHost) {
      this.authorityHost = authorityHost;
      return this;
    }

    public Builder acrAudience(String acrAudience) {
      this.acrAudience = acrAudience;
      return this;
    }

    public Builder armAudience(String armAudience) {
      this.armAudience = armAudience;
      return this;
    }

    /**
     * Where ARM requests go, an {@code https} URL; defaults to the ARM audience. Set it when ARM is reached
     * at another address than the audience its tokens carry.
     */
    public Builder resourceManagerEndpoint(String resourceManagerEndpoint) {
      this.resourceManagerEndpoint = resourceManagerEndpoint;
      return this;
    }

    public Builder telemetryPrefix(String telemetryPrefix) {
      this.telemetryPrefix = telemetryPrefix;
      return this;
    }

    /**
     * @throws IllegalArgumentException listing every invalid setting
     */
    public AzureCloud build() {
      List<String> problems = new ArrayList<>();
      if (name == null || name.isBlank()) {
        problems.add("name is empty");
      }
      String suffix = loginServerSuffix == null ? "" : loginServerSuffix.trim().toLowerCase(Locale.ROOT);
      if (suffix.isEmpty()) {
        problems.add("login-server suffix is empty (e.g. .azurecr.io)");
      } else if (!suffix.startsWith(".")) {
        suffix = "." + suffix;
      }
      String authority = stripSlash(authorityHost);
      checkUrl("authority host", authority, problems);
      String acr = stripSlash(acrAudience);
      checkUrl("ACR audience", acr, problems);
      String arm = stripSlash(armAudience);
      checkUrl("ARM audience", arm, problems);
      String endpoint = resourceManagerEndpoint == null ? arm : stripSlash(resourceManagerEndpoint);
      if (resourceManagerEndpoint != null) {
        checkUrl("resource manager endpoint", endpoint, problems);
      }
      if (telemetryPrefix == null || !telemetryPrefix.matches("[a-z0-9]+")) {
        problems.add("telemetry prefix must be lowercase letters/digits (e.g. azurestack)");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid custom Azure cloud: " + String.join("; ", problems));
      }
      return new AzureCloud(name.trim(), suffix, authority, acr, arm, endpoint, telemetryPrefix);
    }

    private static String stripSlash(String s) {
      if (s == null) {
        return null;
      }
      String t = s.trim();
      while (t.endsWith("/")) {
        t = t.substring(0, t.length() - 1);
      }
      return t;
    }

    private static void checkUrl(String what, String value, List<String> problems) {
      if (value == null || value.isEmpty()) {
        problems.add(what + " is empty");
        return;
      }
      try {
        URI uri = URI.create(value);
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
          problems.add(what + " must be an https URL, got '" + value + "'");
        }
      } catch (IllegalArgumentException e) {
        problems.add(what + " is not a URL: '" + value + "'");
      }
    }
  }
}
