package io.github.acrlogin.it;

import java.time.Duration;
import java.util.regex.Pattern;

/** How a service principal is registered: its tenant and its credentials. Defaults: a secret valid one year. */
public final class ServicePrincipalSpec {
  private static final Pattern GUID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private String tenantId;
  private boolean secret = true;
  private Duration secretValidity = Duration.ofDays(365);
  private boolean certificate;

  ServicePrincipalSpec(String defaultTenant) {
    this.tenantId = defaultTenant;
  }

  /** Registers the app in another tenant (a GUID); the tenant is created when new. */
  public ServicePrincipalSpec tenant(String tenantId) {
    if (tenantId == null || !GUID.matcher(tenantId).matches()) {
      throw new IllegalArgumentException("tenant id '" + tenantId + "' is not a GUID");
    }
    this.tenantId = tenantId.toLowerCase();
    return this;
  }

  /** Whether the app has a client secret. */
  public ServicePrincipalSpec secret(boolean present) {
    this.secret = present;
    return this;
  }

  /** How long the secret stays valid from now; negative for a secret that has expired already. */
  public ServicePrincipalSpec secretValidFor(Duration validity) {
    if (validity == null || validity.isZero()) {
      throw new IllegalArgumentException("secret validity must be non-zero");
    }
    this.secretValidity = validity;
    this.secret = true;
    return this;
  }

  /** Whether the app also has a certificate (written as PEM and PFX). */
  public ServicePrincipalSpec certificate(boolean present) {
    this.certificate = present;
    return this;
  }

  String tenantId() {
    return tenantId;
  }

  boolean secret() {
    return secret;
  }

  Duration secretValidity() {
    return secretValidity;
  }

  boolean certificate() {
    return certificate;
  }
}
