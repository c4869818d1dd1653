package io.github.acrlogin.auth.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.acrlogin.auth.Scope;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The claims of a JSON Web Token (Entra tokens, ACR refresh and access tokens), decoded without verifying the
 * signature: we are a client reading our own token's expiry and grants, and the server that issued it is the
 * one that verifies it.
 *
 * <p>The parts are base64url (RFC 7515: {@code -} and {@code _}, padding optional); decoding them as plain
 * base64 is a classic bug that fails on about half of all real tokens. {@link #toString()} shows only the
 * issuer, audience and expiry, never the token.
 */
public final class Jwt {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigDecimal MAX_EPOCH_SECOND = BigDecimal.valueOf(Instant.MAX.getEpochSecond());

  private final JsonNode header;
  private final JsonNode claims;

  private Jwt(JsonNode header, JsonNode claims) {
    this.header = header;
    this.claims = claims;
  }

  /**
   * Decodes a compact JWS ({@code header.payload.signature}).
   *
   * @throws IllegalArgumentException if it is not one; the message never contains the token
   */
  public static Jwt decode(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("Not a JWT: the token is empty");
    }
    String[] parts = token.trim().split("\\.", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          "Not a JWT: expected three base64url parts separated by '.', found " + parts.length);
    }
    JsonNode header = object(parts[0], "header");
    JsonNode claims = object(parts[1], "payload");
    return new Jwt(header, claims);
  }

  // No cause is chained: Jackson's messages quote the input, which is part of the token.
  private static JsonNode object(String part, String what) {
    byte[] bytes;
    try {
      // Tolerate the standard alphabet too; the two differ only in these characters.
      bytes = Base64.getUrlDecoder().decode(part.replace('+', '-').replace('/', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Not a JWT: the " + what + " is not base64url-encoded");
    }
    JsonNode node;
    try {
      node = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      node = null;
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("Not a JWT: the " + what + " is not a JSON object");
    }
    return node;
  }

  /** {@code exp}. */
  public Optional<Instant> expiresAt() {
    return instant("exp");
  }

  /** {@code iat}. */
  public Optional<Instant> issuedAt() {
    return instant("iat");
  }

  /** {@code nbf}. */
  public Optional<Instant> notBefore() {
    return instant("nbf");
  }

  /** {@code iss}. */
  public Optional<String> issuer() {
    return stringClaim("iss");
  }

  /** A claim that is a string; empty when absent or of another type. */
  public Optional<String> stringClaim(String name) {
    JsonNode n = claims.get(name);
    return n != null && n.isTextual() ? Optional.of(n.asText()) : Optional.empty();
  }

  /** A header parameter that is a string, e.g. {@code alg} or {@code kid}. */
  public Optional<String> headerParam(String name) {
    JsonNode n = header.get(name);
    return n != null && n.isTextual() ? Optional.of(n.asText()) : Optional.empty();
  }

  /** The tenant: Entra's {@code tid}, else ACR's {@code tenant}. */
  public Optional<String> tenantId() {
    return stringClaim("tid").or(() -> stringClaim("tenant"));
  }

  /** {@code aud}: the string, or the first entry of an array. */
  public Optional<String> audience() {
    JsonNode n = claims.get("aud");
    if (n != null && n.isArray() && n.size() > 0) {
      n = n.get(0);
    }
    return n != null && n.isTextual() ? Optional.of(n.asText()) : Optional.empty();
  }

  /**
   * What an ACR or registry access token grants: its {@code access} claim
   * ({@code [{"type":"repository","name":"x","actions":["pull"]}]}). Entries that are not valid scopes are
   * skipped, so one odd entry does not hide the rest.
   */
  public Set<Scope> access() {
    JsonNode n = claims.get("access");
    if (n == null || !n.isArray()) {
      return Set.of();
    }
    Set<Scope> out = new TreeSet<>();
    for (JsonNode entry : n) {
      JsonNode type = entry.get("type");
      JsonNode name = entry.get("name");
      JsonNode actions = entry.get("actions");
      if (type == null || !type.isTextual() || name == null || !name.isTextual() || actions == null
          || !actions.isArray() || actions.isEmpty()) {
        continue;
      }
      List<String> list = new ArrayList<>();
      actions.forEach(a -> list.add(a.asText()));
      try {
        if (type.asText().equals("registry") && name.asText().equals("catalog")) {
          out.add(Scope.catalog());
        } else if (type.asText().equals("repository")) {
          out.add(Scope.repository(name.asText(), list.toArray(new String[0])));
        }
      } catch (IllegalArgumentException e) {
        // Not a scope we can express; skip it.
      }
    }
    return Collections.unmodifiableSet(out);
  }

  // NumericDate: seconds since the epoch, possibly fractional (truncated); tolerate a numeric string.
  private Optional<Instant> instant(String name) {
    JsonNode n = claims.get(name);
    BigDecimal seconds;
    if (n != null && n.isNumber()) {
      seconds = n.decimalValue();
    } else if (n != null && n.isTextual() && n.asText().matches("[0-9]{1,12}(\\.[0-9]{1,9})?")) {
      seconds = new BigDecimal(n.asText());
    } else {
      return Optional.empty();
    }
    if (seconds.signum() < 0 || seconds.compareTo(MAX_EPOCH_SECOND) > 0) {
      return Optional.empty();
    }
    return Optional.of(Instant.ofEpochSecond(seconds.longValue()));
  }

  /** E.g. {@code Jwt{iss=Azure Container Registry, aud=x.azurecr.io, exp=...}}. */
  @Override
  public String toString() {
    return "Jwt{iss="
        + issuer().orElse("?")
        + ", aud="
        + audience().orElse("?")
        + ", exp="
        + expiresAt().map(Instant::toString).orElse("?")
        + "}";
  }
}
