package io.github.acrlogin.it;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The test bed's one source of secret random values (passwords, the identity header, upload secrets, names).
 * {@code nextBytes}, never {@code generateSeed}: generateSeed may block on an entropy-starved CI machine.
 */
final class Randomness {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Randomness() {}

  /** {@code length} random bytes. */
  static byte[] bytes(int length) {
    byte[] bytes = new byte[length];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /** {@code length} random bytes as lowercase hex ({@code 2 * length} characters). */
  static String hex(int length) {
    return HexFormat.of().formatHex(bytes(length));
  }
}
