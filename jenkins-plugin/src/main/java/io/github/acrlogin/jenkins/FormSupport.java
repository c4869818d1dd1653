package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Queue;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import hudson.security.AccessControlled;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AzureCloud;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Registry;
import java.util.List;
import java.util.regex.Pattern;
import jenkins.model.Jenkins;

/**
 * Form helpers shared by the descriptors: permission checks, validation, list boxes, "Test connection". GUIDs and
 * tenants are checked by shared-auth's {@link CredentialSource#isGuid} and {@link CredentialSource#isTenantId},
 * field by field while typing.
 */
final class FormSupport {

  /** Names of environment variables (the federated token variable, withAcrToken's variable). */
  private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private FormSupport() {}

  /** Whoever may create or update credentials here may validate and test them. */
  static void checkCanConfigureCredentials(@CheckForNull Item context) {
    AccessControlled ac = context != null ? context : Jenkins.get();
    ac.checkAnyPermission(CredentialsProvider.CREATE, CredentialsProvider.UPDATE);
  }

  /** Whoever may configure the job (or use its credentials) may validate step and wrapper fields. */
  static boolean canConfigureJob(@CheckForNull Item context) {
    return context == null
        ? Jenkins.get().hasPermission(Jenkins.ADMINISTER)
        : context.hasPermission(Item.EXTENDED_READ) || context.hasPermission(CredentialsProvider.USE_ITEM);
  }

  /** ACR credentials and plain username/password credentials that the job may use. */
  static ListBoxModel credentialsItems(@CheckForNull Item context, @CheckForNull String current) {
    StandardListBoxModel result = new StandardListBoxModel();
    // includeCurrentValue takes a @NonNull String (it treats null and "" alike); fixNull keeps SpotBugs from
    // reporting NP_PARAMETER_MUST_BE_NONNULL_BUT_MARKED_AS_NULLABLE for our @CheckForNull parameter.
    String currentValue = Util.fixNull(current);
    if (!canConfigureJob(context)) {
      return result.includeCurrentValue(currentValue);
    }
    return result
        .includeEmptyValue()
        .includeMatchingAs(
            context instanceof Queue.Task ? Tasks.getAuthenticationOf2((Queue.Task) context) : ACL.SYSTEM2,
            context, StandardUsernamePasswordCredentials.class, List.of(), CredentialsMatchers.always())
        .includeCurrentValue(currentValue);
  }

  static ListBoxModel cloudItems() {
    ListBoxModel m = new ListBoxModel();
    for (AzureCloud c : AzureCloud.knownClouds()) {
      m.add(c.name() + " (*" + c.loginServerSuffix() + ")", c.name());
    }
    return m;
  }

  /** Empty is fine when {@code optional}; else a registry name or login server, checked by shared-auth. */
  static FormValidation checkRegistry(String value, boolean optional) {
    if (Util.fixEmptyAndTrim(value) == null) {
      return optional ? FormValidation.ok() : FormValidation.error("Enter a registry, e.g. myregistry.azurecr.io");
    }
    if (value.contains("${")) {
      return FormValidation.ok(); // expanded at run time
    }
    try {
      Registry r = Registry.parse(value);
      return FormValidation.okWithMarkup("Login server: <code>"
          + Util.escape(r.loginServer()) + "</code>");
    } catch (IllegalArgumentException e) {
      return FormValidation.error(e.getMessage());
    }
  }

  static FormValidation checkGuid(String what, String value, boolean optional) {
    String v = Util.fixEmptyAndTrim(value);
    if (v == null) {
      return optional ? FormValidation.ok() : FormValidation.error("Enter the " + what);
    }
    return CredentialSource.isGuid(v) ? FormValidation.ok()
        : FormValidation.error("The " + what + " is a GUID such as 00000000-1111-2222-3333-444444444444");
  }

  static FormValidation checkTenant(String value, boolean optional) {
    String v = Util.fixEmptyAndTrim(value);
    if (v == null) {
      return optional ? FormValidation.ok() : FormValidation.error("Enter the tenant (directory) id");
    }
    return CredentialSource.isTenantId(v) ? FormValidation.ok()
        : FormValidation.error("The tenant is a GUID or a domain such as contoso.onmicrosoft.com");
  }

  /** Whether {@code value} (not null) is an environment variable name such as {@code ACR_TOKEN}. */
  static boolean isVariableName(String value) {
    return VARIABLE.matcher(value).matches();
  }

  /** Builds a credential source from form fields; an invalid field fails with an {@link IllegalArgumentException}. */
  @FunctionalInterface
  interface SourceFromForm {
    CredentialSource build();
  }

  /**
   * "Test connection": builds the source from the form (an invalid field is reported as the form error), then logs
   * in for real through {@link #testLogin(String, String, CredentialSource)}.
   */
  static FormValidation testLogin(String registryRef, String cloud, SourceFromForm source) {
    CredentialSource s;
    try {
      s = source.build();
    } catch (IllegalArgumentException e) {
      return FormValidation.error(e.getMessage());
    }
    return testLogin(registryRef, cloud, s);
  }

  /** A real login from the controller through the JVM-wide authenticator. */
  static FormValidation testLogin(String registryRef, String cloud, CredentialSource source) {
    if (Util.fixEmptyAndTrim(registryRef) == null) {
      return FormValidation.error("Enter a registry to test against");
    }
    try {
      Registry registry =
          Registry.parse(registryRef, AzureCloud.named(cloud == null ? AcrCredentials.DEFAULT_CLOUD : cloud));
      Authenticators.controller().login(registry, source);
      return FormValidation.ok("Logged in to " + registry.loginServer() + " as " + source);
    } catch (AcrAuthException | IllegalArgumentException | IllegalStateException e) {
      return FormValidation.error(e.getMessage());
    }
  }
}
