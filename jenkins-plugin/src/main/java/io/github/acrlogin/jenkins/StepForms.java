package io.github.acrlogin.jenkins;

import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.model.Item;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.util.function.Supplier;

/**
 * The form logic of the steps and of the build wrapper, whose fields are part of a job's configuration: checked
 * only for users who may configure the job (or use its credentials), who are the only ones to see the result.
 * The descriptors keep their {@code @POST} {@code doCheck*}/{@code doFill*Items} methods and delegate here.
 */
final class StepForms {

  private StepForms() {}

  /** The credentials the job may use, as {@link FormSupport#credentialsItems} lists them. */
  static ListBoxModel credentialsIdItems(@CheckForNull Item item, @CheckForNull String credentialsId) {
    return FormSupport.credentialsItems(item, credentialsId);
  }

  /** A required registry (name or login server). */
  static FormValidation checkRegistry(@CheckForNull Item item, String value) {
    return check(item, () -> FormSupport.checkRegistry(value, false));
  }

  /** Runs {@code check} for users who may configure the job; anyone else gets an empty "ok". */
  static FormValidation check(@CheckForNull Item item, Supplier<FormValidation> check) {
    return FormSupport.canConfigureJob(item) ? check.get() : FormValidation.ok();
  }
}
