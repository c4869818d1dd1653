package io.github.acrlogin.jenkins;

import hudson.console.ConsoleLogFilter;
import hudson.console.LineTransformationOutputStream;
import hudson.model.AbstractBuild;
import io.github.acrlogin.auth.Redaction;
import io.github.acrlogin.auth.RegistryLogin;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks ACR secrets in console output, line by line, with {@code ****}, without holding any secret itself.
 *
 * <ul>
 *   <li>Every JWT is masked, with shared-auth's {@link Redaction#redact(String)} (which also masks the values of
 *       {@code auth}, {@code password}, {@code token}, {@code Authorization} and similar fields): ACR refresh and
 *       access tokens are JWTs, so tokens minted by a later renewal are covered without being known in advance.
 *       Other JWTs in the block are bearer tokens too.</li>
 *   <li>The base64 {@code auth} value Docker stores for the null-GUID user is masked by its fixed prefix, wherever
 *       it appears.</li>
 *   <li>Username/password logins (admin user, repository tokens) are masked by comparing salted SHA-256
 *       digests of candidate words with digests of the password and of {@code base64(user:password)}: Pipeline
 *       serializes this filter into the build's program state, which must not contain the password.</li>
 * </ul>
 *
 * The freestyle wrapper's filter is created before its secrets are known, so it also consults secrets
 * registered in memory for its run while the build runs on the controller.
 */
final class TokenMaskingFilter extends ConsoleLogFilter implements Serializable {

  private static final long serialVersionUID = 1L;
  static final String MASK = Redaction.MASK;

  // base64(TOKEN_USERNAME + ":" + token), the Docker "auth" of a token login: its first 36 bytes encode to 48
  // fixed characters. (JWTs and "auth"/"password"/"token" fields are masked by shared-auth's Redaction.)
  private static final Pattern TOKEN_AUTH = Pattern.compile(Pattern.quote(Base64.getEncoder().encodeToString(
      RegistryLogin.TOKEN_USERNAME.getBytes(StandardCharsets.US_ASCII))) + "[A-Za-z0-9+/=]+");
  // Characters of ACR passwords (base64-like) and of base64 text; candidate words are runs of these.
  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9+/=_.~-]{8,}");
  private static final Map<String, Set<String>> LIVE = new ConcurrentHashMap<>();

  private final byte[] salt;
  private final Set<String> digests;
  private final TreeSet<Integer> lengths;
  private final String runId;
  private final String charsetName;

  private TokenMaskingFilter(Collection<String> secrets, String runId, Charset charset) {
    this.salt = salt(16);
    this.digests = new HashSet<>();
    this.lengths = new TreeSet<>();
    for (String s : secrets) {
      if (s != null && s.length() >= 8) {
        digests.add(digest(salt, s));
        lengths.add(s.length());
      }
    }
    this.runId = runId;
    this.charsetName = charset.name();
  }

  /** A filter for these secrets (plus every JWT); keeps only salted digests of them. */
  static TokenMaskingFilter of(Collection<String> secrets, Charset charset) {
    return new TokenMaskingFilter(secrets, null, charset);
  }

  /** A filter that also masks what {@link #register} adds for {@code runId} later (freestyle builds). */
  static TokenMaskingFilter forRun(String runId, Charset charset) {
    return new TokenMaskingFilter(List.of(), runId, charset);
  }

  /** Secrets to mask in the live log of {@code runId} (controller memory only, never persisted). */
  static void register(String runId, Collection<String> secrets) {
    LIVE.computeIfAbsent(runId, k -> ConcurrentHashMap.newKeySet()).addAll(secrets);
  }

  static void unregister(String runId) {
    LIVE.remove(runId);
  }

  /** The password and the base64 {@code user:password} form that Docker's config holds. */
  static List<String> formsOf(String username, String password) {
    List<String> forms = new ArrayList<>();
    forms.add(password);
    if (username != null) {
      forms.add(Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }
    return forms;
  }

  String mask(String line) {
    String out = TOKEN_AUTH.matcher(Redaction.redact(line)).replaceAll(MASK);
    Set<String> live = runId == null ? null : LIVE.get(runId);
    if (digests.isEmpty() && (live == null || live.isEmpty())) {
      return out;
    }
    StringBuilder b = new StringBuilder();
    Matcher m = WORD.matcher(out);
    int last = 0;
    while (m.find()) {
      b.append(out, last, m.start()).append(maskWord(m.group(), live));
      last = m.end();
    }
    return b.append(out.substring(last)).toString();
  }

  /** Masks every window of {@code word} that is a known secret. */
  private String maskWord(String word, Set<String> live) {
    String w = word;
    if (live != null) {
      for (String s : live) {
        w = w.replace(s, MASK);
      }
    }
    for (int len : lengths.descendingSet()) {
      for (int i = 0; i + len <= w.length(); i++) {
        if (digests.contains(digest(salt, w.substring(i, i + len)))) {
          w = w.substring(0, i) + MASK + w.substring(i + len);
          i += MASK.length() - 1;
        }
      }
    }
    return w;
  }

  private static String digest(byte[] salt, String value) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(salt);
      return Base64.getEncoder().encodeToString(sha.digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("rawtypes") // ConsoleLogFilter's signature; build is null in Pipeline
  @Override
  public OutputStream decorateLogger(AbstractBuild build, OutputStream logger) {
    return new MaskingStream(logger, Charset.forName(charsetName));
  }

  private final class MaskingStream extends LineTransformationOutputStream {
    private final OutputStream out;
    private final Charset charset;

    MaskingStream(OutputStream out, Charset charset) {
      this.out = out;
      this.charset = charset;
    }

    @Override
    protected void eol(byte[] b, int len) throws IOException {
      out.write(mask(new String(b, 0, len, charset)).getBytes(charset));
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      super.close();
      out.close();
    }
  }

  // nextBytes, not generateSeed: generateSeed may block on an entropy-starved CI agent.
  private static byte[] salt(int length) {
    byte[] salt = new byte[length];
    new SecureRandom().nextBytes(salt);
    return salt;
  }
}
