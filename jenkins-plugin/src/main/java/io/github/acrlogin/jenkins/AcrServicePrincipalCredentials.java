package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SecretBytes;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Item;
import hudson.util.FormValidation;
import hudson.util.Secret;
import io.github.acrlogin.auth.ClientCertificate;
import io.github.acrlogin.auth.CredentialSource;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * A Microsoft Entra service principal (app registration) with a client secret or a certificate. Tokens are
 * obtained on the controller, which holds the secret; agents only ever receive ACR tokens.
 */
public class AcrServicePrincipalCredentials extends AcrCredentials {

  private static final long serialVersionUID = 1L;

  private final String tenantId;
  private final String clientId;
  private Secret clientSecret;
  private SecretBytes certificate;
  private Secret certificatePassword;
  private boolean sendCertificateChain;

  @DataBoundConstructor
  public AcrServicePrincipalCredentials(@CheckForNull CredentialsScope scope, @CheckForNull String id,
      @CheckForNull String description, String tenantId, String clientId) {
    super(scope, id, description);
    this.tenantId = Util.fixEmptyAndTrim(tenantId);
    this.clientId = Util.fixEmptyAndTrim(clientId);
  }

  public String getTenantId() {
    return tenantId;
  }

  public String getClientId() {
    return clientId;
  }

  @CheckForNull
  public Secret getClientSecret() {
    return clientSecret;
  }

  @DataBoundSetter
  public void setClientSecret(Secret clientSecret) {
    this.clientSecret = clientSecret == null || clientSecret.getPlainText().isEmpty() ? null : clientSecret;
  }

  /** PEM (certificate and unencrypted PKCS#8 key) or PFX/PKCS#12 content; in forms and JCasC as base64. */
  @CheckForNull
  public SecretBytes getCertificate() {
    return certificate;
  }

  @DataBoundSetter
  public void setCertificate(SecretBytes certificate) {
    this.certificate = certificate == null || certificate.getPlainData().length == 0 ? null : certificate;
  }

  @CheckForNull
  public Secret getCertificatePassword() {
    return certificatePassword;
  }

  @DataBoundSetter
  public void setCertificatePassword(Secret certificatePassword) {
    this.certificatePassword =
        certificatePassword == null || certificatePassword.getPlainText().isEmpty() ? null : certificatePassword;
  }

  public boolean isSendCertificateChain() {
    return sendCertificateChain;
  }

  @DataBoundSetter
  public void setSendCertificateChain(boolean sendCertificateChain) {
    this.sendCertificateChain = sendCertificateChain;
  }

  @Override
  CredentialSource source(Map<String, String> environment) {
    return sourceOf(getId(), tenantId, clientId, clientSecret, certificate, certificatePassword, sendCertificateChain);
  }

  static CredentialSource sourceOf(String id, String tenantId, String clientId, Secret clientSecret,
      SecretBytes certificate, Secret certificatePassword, boolean sendChain) {
    boolean hasSecret = clientSecret != null && !clientSecret.getPlainText().isEmpty();
    boolean hasCertificate = certificate != null && certificate.getPlainData().length > 0;
    if (hasSecret == hasCertificate) {
      throw new IllegalArgumentException("Service principal credentials '" + id + "' need either a client secret"
          + " or a certificate (not both)");
    }
    if (hasSecret) {
      return CredentialSource.servicePrincipal(tenantId, clientId,
          io.github.acrlogin.auth.Secret.of(clientSecret.getPlainText()));
    }
    byte[] content = certificate.getPlainData();
    io.github.acrlogin.auth.Secret password = certificatePassword == null
        || certificatePassword.getPlainText().isEmpty()
        ? null : io.github.acrlogin.auth.Secret.of(certificatePassword.getPlainText());
    ClientCertificate cert = isPem(content) ? ClientCertificate.pem(content) : ClientCertificate.pfx(content, password);
    return CredentialSource.servicePrincipal(tenantId, clientId, sendChain ? cert.withChain() : cert);
  }

  /** PEM is text starting with a "-----BEGIN" line (after optional whitespace); anything else is taken as PFX. */
  private static boolean isPem(byte[] content) {
    String head = new String(content, 0, Math.min(content.length, 64), StandardCharsets.US_ASCII).stripLeading();
    return head.startsWith("-----BEGIN");
  }

  @Extension
  @Symbol("acrServicePrincipal")
  public static class DescriptorImpl extends AppRegistrationDescriptor {

    public DescriptorImpl() {
      super(false);
    }

    @NonNull
    @Override
    public String getDisplayName() {
      return "Azure Container Registry: service principal";
    }

    /** Logs in for real, from the controller. */
    @POST
    public FormValidation doTestConnection(@AncestorInPath Item item, @QueryParameter String tenantId,
        @QueryParameter String clientId, @QueryParameter Secret clientSecret, @QueryParameter String certificate,
        @QueryParameter Secret certificatePassword, @QueryParameter boolean sendCertificateChain,
        @QueryParameter String registry, @QueryParameter String cloud) {
      return testConnection(item, registry, cloud, () -> sourceOf("(form)", tenantId, clientId, clientSecret,
          Util.fixEmptyAndTrim(certificate) == null ? null : SecretBytes.fromString(certificate),
          certificatePassword, sendCertificateChain));
    }
  }
}
