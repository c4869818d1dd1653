package io.github.acrlogin.it;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A compact RS256 JSON Web Token: enough to sign what the emulator issues and to check what clients
 * present. Deliberately tiny: the test bed must not depend on the code it tests (shared-auth).
 */
public final class Jwt {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

  private final Map<String, Object> header;
  private final Map<String, Object> claims;
  private final String signingInput;
  private final byte[] signature;

  private Jwt(Map<String, Object> header, Map<String, Object> claims, String signingInput, byte[] signature) {
    this.header = header;
    this.claims = claims;
    this.signingInput = signingInput;
    this.signature = signature;
  }

  /** Signs {@code claims} with RS256; {@code extraHeader} adds e.g. {@code x5c} or {@code x5t}. */
  public static String sign(Map<String, ?> extraHeader, Map<String, ?> claims, PrivateKey key) {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("typ", "JWT");
    header.put("alg", "RS256");
    header.putAll(extraHeader);
    try {
      String input = b64(JSON.writeValueAsBytes(header)) + "." + b64(JSON.writeValueAsBytes(claims));
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initSign(key);
      s.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + b64(s.sign());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a JWT", e);
    }
  }

  /** Parses without verifying; empty when {@code token} is not a well-formed JWS compact string. */
  public static Optional<Jwt> parse(String token) {
    if (token == null) {
      return Optional.empty();
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      Base64.Decoder d = Base64.getUrlDecoder();
      return Optional.of(new Jwt(JSON.readValue(d.decode(parts[0]), MAP), JSON.readValue(d.decode(parts[1]), MAP),
          parts[0] + "." + parts[1], d.decode(parts[2])));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** True when the header says RS256 and the signature verifies with {@code key}. */
  public boolean verifiedBy(PublicKey key) {
    if (!"RS256".equals(header.get("alg"))) {
      return false;
    }
    try {
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initVerify(key);
      s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  public Map<String, Object> header() {
    return header;
  }

  public Map<String, Object> claims() {
    return claims;
  }

  /** A string claim, or null. */
  public String string(String name) {
    Object v = claims.get(name);
    return v instanceof String s ? s : null;
  }

  /** A numeric date claim in epoch seconds, or -1 when absent or not a number. */
  public long seconds(String name) {
    Object v = claims.get(name);
    return v instanceof Number n ? n.longValue() : -1;
  }

  /**
   * True when the token is expired at {@code now}, allowing {@code leeway} for clock skew: {@code exp} is absent
   * (or not a number), or {@code now} is not before {@code exp + leeway} (RFC 7519, section 4.1.4).
   */
  public boolean expiredAt(Instant now, Duration leeway) {
    long exp = seconds("exp");
    return exp < 0 || !Instant.ofEpochSecond(exp).plus(leeway).isAfter(now);
  }

  /** True when {@code aud} (a string or an array, RFC 7519) contains {@code audience}. */
  public boolean hasAudience(String audience) {
    Object aud = claims.get("aud");
    if (aud instanceof List<?> list) {
      return list.contains(audience);
    }
    return audience.equals(aud);
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
