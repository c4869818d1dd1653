package io.github.acrlogin.auth.internal;

import io.github.acrlogin.auth.Redaction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses {@code WWW-Authenticate} header values per RFC 7235 section 4.1:
 *
 * <pre>
 * WWW-Authenticate = 1#challenge
 * challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 * auth-param = token BWS "=" BWS ( token / quoted-string )
 * </pre>
 *
 * <p>A header may hold several challenges, and commas separate both challenges and parameters, so the parser
 * looks ahead: after a comma, {@code name =} continues the current challenge and anything else starts a new
 * one. Splitting on commas, as many parsers in the wild do, breaks ACR's
 * {@code scope="repository:x:pull,push"}. Scheme and parameter names are case-insensitive; empty list
 * elements and extra whitespace are tolerated, and so are unquoted values with characters a token does not
 * allow (URLs), which some servers send.
 */
public final class ChallengeParser {

  private static final int MAX_ECHO = 200;

  private final String header;
  private int pos;

  private ChallengeParser(String header) {
    this.header = header;
  }

  /**
   * Every challenge in one header value, in order.
   *
   * @throws IllegalArgumentException saying what is wrong where, for a value that is not a challenge list
   */
  public static List<Challenge> parse(String headerValue) {
    if (headerValue == null || headerValue.isBlank()) {
      throw new IllegalArgumentException("Invalid WWW-Authenticate header: it is empty");
    }
    return new ChallengeParser(headerValue).challenges();
  }

  /** Every challenge in several header lines (a response may repeat the header). */
  public static List<Challenge> parseAll(List<String> headerValues) {
    List<Challenge> out = new ArrayList<>();
    for (String value : headerValues) {
      out.addAll(parse(value));
    }
    return out;
  }

  private List<Challenge> challenges() {
    List<Challenge> out = new ArrayList<>();
    while (true) {
      skipListSeparators();
      if (atEnd()) {
        break;
      }
      out.add(challenge());
    }
    if (out.isEmpty()) {
      throw invalid("it holds no challenge");
    }
    return out;
  }

  private Challenge challenge() {
    int start = pos;
    String scheme = token();
    if (scheme.isEmpty()) {
      throw invalid("expected an auth scheme such as Bearer");
    }
    int afterScheme = pos;
    skipWhitespace();
    if (atEnd() || peek() == ',') {
      return new Challenge(scheme, Map.of());
    }
    if (pos == afterScheme) {
      throw invalid("expected a space after the auth scheme '" + header.substring(start, pos) + "'");
    }
    String token68 = token68();
    if (token68 != null) {
      return Challenge.withToken68(scheme, token68);
    }
    Map<String, String> params = new LinkedHashMap<>();
    while (true) {
      String name = token();
      if (name.isEmpty()) {
        throw invalid("expected a parameter name");
      }
      skipWhitespace();
      if (atEnd() || peek() != '=') {
        throw invalid("expected '=' after parameter '" + name + "'");
      }
      pos++;
      skipWhitespace();
      String value = atEnd() ? "" : peek() == '"' ? quotedString() : bareValue();
      // RFC 7235: a parameter name occurs once per challenge; be lenient and let the first one win.
      params.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
      skipWhitespace();
      if (atEnd()) {
        break;
      }
      if (peek() != ',') {
        throw invalid("expected ',' between parameters");
      }
      skipListSeparators();
      if (atEnd() || !startsParameter()) {
        break;
      }
    }
    return new Challenge(scheme, params);
  }

  // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=", ending the challenge. A token
  // followed by "=" and a value is a parameter instead; backtrack in that case.
  private String token68() {
    int start = pos;
    while (!atEnd() && isToken68Char(peek())) {
      pos++;
    }
    if (pos == start) {
      return null;
    }
    while (!atEnd() && peek() == '=') {
      pos++;
    }
    String candidate = header.substring(start, pos);
    skipWhitespace();
    if (atEnd() || peek() == ',') {
      return candidate;
    }
    pos = start;
    return null;
  }

  // After a comma: "name =" continues the current challenge, anything else starts the next one.
  private boolean startsParameter() {
    int save = pos;
    try {
      if (token().isEmpty()) {
        return false;
      }
      skipWhitespace();
      return !atEnd() && peek() == '=';
    } finally {
      pos = save;
    }
  }

  private String token() {
    int start = pos;
    while (!atEnd() && isTchar(peek())) {
      pos++;
    }
    return header.substring(start, pos);
  }

  // Lenient: anything up to a comma or whitespace, since some servers send unquoted URLs.
  private String bareValue() {
    int start = pos;
    while (!atEnd() && peek() != ',' && !isWhitespace(peek())) {
      if (peek() == '"') {
        throw invalid("unexpected '\"' inside an unquoted value");
      }
      pos++;
    }
    return header.substring(start, pos);
  }

  private String quotedString() {
    int start = pos;
    pos++; // opening quote
    StringBuilder s = new StringBuilder();
    while (!atEnd()) {
      char c = header.charAt(pos++);
      if (c == '"') {
        return s.toString();
      }
      if (c == '\\') {
        if (atEnd()) {
          break;
        }
        c = header.charAt(pos++);
      }
      s.append(c);
    }
    pos = start;
    throw invalid("unterminated quoted string");
  }

  private void skipListSeparators() {
    while (!atEnd() && (peek() == ',' || isWhitespace(peek()))) {
      pos++;
    }
  }

  private void skipWhitespace() {
    while (!atEnd() && isWhitespace(peek())) {
      pos++;
    }
  }

  private boolean atEnd() {
    return pos >= header.length();
  }

  private char peek() {
    return header.charAt(pos);
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t';
  }

  // RFC 7230 tchar.
  private static boolean isTchar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  private static boolean isToken68Char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~+/".indexOf(c) >= 0;
  }

  private IllegalArgumentException invalid(String why) {
    // The header comes from a server: redact it and keep the message short.
    String echo = header.length() > MAX_ECHO ? header.substring(0, MAX_ECHO) + "..." : header;
    return new IllegalArgumentException(
        "Invalid WWW-Authenticate header: "
            + why
            + " at position "
            + pos
            + " in '"
            + Redaction.redact(echo).replace('\n', ' ').replace('\r', ' ')
            + "'");
  }
}
