package io.github.acrlogin.auth;

import java.util.Optional;

/**
 * A failed ACR authentication: what failed (the operation, registry, scope and credential source), why
 * ({@link #reason()} plus detail), and what to do ({@link #remedy()}), all in {@link #getMessage()} on one line.
 *
 * <p>Subclasses tell "this source is unavailable here, try another" ({@link CredentialUnavailableException})
 * from "this source was tried and failed" ({@link AuthenticationFailedException}). Messages never contain
 * secrets: whatever detail comes from a server is passed through {@link Redaction} first.
 */
public abstract class AcrAuthException extends Exception {

  private static final long serialVersionUID = 1L;

  private final Reason reason;
  private final String registry;
  private final String scope;
  private final String source;
  private final String detail;
  private final String remedy;
  private final String operation;

  AcrAuthException(Details d, Throwable cause) {
    super(format(d), cause, true, true);
    this.reason = d.reason;
    this.registry = d.registry;
    this.scope = d.scope;
    this.source = d.source;
    // Stored redacted: the exception is Serializable, and its fields travel (Jenkins remoting, build.xml).
    this.detail = Redaction.redact(d.detail);
    this.remedy = d.remedy != null ? d.remedy : d.reason.remedy();
    this.operation = d.operation;
  }

  private static String format(Details d) {
    StringBuilder s = new StringBuilder();
    s.append(d.operation == null ? "ACR login" : d.operation).append(" failed");
    if (d.registry != null) {
      s.append(" for ").append(d.registry);
    }
    if (d.scope != null) {
      s.append(" (scope ").append(d.scope).append(')');
    }
    if (d.source != null) {
      s.append(" with ").append(d.source);
    }
    s.append(": ").append(d.reason.explanation());
    if (d.detail != null && !d.detail.isBlank()) {
      s.append(" [").append(Redaction.redact(d.detail.strip())).append(']');
    }
    s.append(". Fix: ").append(d.remedy != null ? d.remedy : d.reason.remedy());
    return s.toString().replace('\n', ' ').replace('\r', ' ');
  }

  /** Why it failed. */
  public Reason reason() {
    return reason;
  }

  /** Login server, when known. */
  public Optional<String> registry() {
    return Optional.ofNullable(registry);
  }

  /** Requested scope, when the failure concerned one. */
  public Optional<String> scope() {
    return Optional.ofNullable(scope);
  }

  /** Description of the credential source (never its secret). */
  public Optional<String> source() {
    return Optional.ofNullable(source);
  }

  /** Server-provided detail, redacted. */
  public Optional<String> detail() {
    return Optional.ofNullable(detail);
  }

  /** What the user should do. */
  public String remedy() {
    return remedy;
  }

  /** The same failure with another remedy (the original's stack and cause kept). */
  AcrAuthException withRemedy(String newRemedy) {
    Details d = new Details(reason).registry(registry).scope(scope).source(source).detail(detail).remedy(newRemedy);
    d.operation = operation;
    AcrAuthException copy = this instanceof CredentialUnavailableException
        ? new CredentialUnavailableException(d, getCause())
        : new AuthenticationFailedException(d, getCause());
    copy.setStackTrace(getStackTrace());
    return copy;
  }

  /** Starts the details of a failure; finish with {@link Details#failed()} or {@link Details#unavailable()}. */
  public static Details because(Reason reason) {
    return new Details(reason);
  }

  /** The parts of a failure message, assembled once and then thrown. */
  public static final class Details {
    private final Reason reason;
    private String operation;
    private String registry;
    private String scope;
    private String source;
    private String detail;
    private String remedy;
    private Throwable cause;

    private Details(Reason reason) {
      this.reason = java.util.Objects.requireNonNull(reason, "reason");
    }

    /** What was being done, e.g. "ACR token exchange"; defaults to "ACR login". */
    public Details operation(String operation) {
      this.operation = operation;
      return this;
    }

    public Details registry(String registry) {
      this.registry = registry;
      return this;
    }

    public Details scope(String scope) {
      this.scope = scope;
      return this;
    }

    public Details source(String source) {
      this.source = source;
      return this;
    }

    /** Server detail (e.g. an AADSTS description); redacted before it reaches any text. */
    public Details detail(String detail) {
      this.detail = detail;
      return this;
    }

    /** Overrides the reason's default remedy. */
    public Details remedy(String remedy) {
      this.remedy = remedy;
      return this;
    }

    /** The underlying exception; only its type is kept if its message could carry secrets. */
    public Details cause(Throwable cause) {
      this.cause = cause == null ? null : Redaction.safeCause(cause);
      return this;
    }

    public AuthenticationFailedException failed() {
      return new AuthenticationFailedException(this, cause);
    }

    public CredentialUnavailableException unavailable() {
      return new CredentialUnavailableException(this, cause);
    }
  }
}
