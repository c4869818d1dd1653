package io.github.acrlogin.jenkins;

import hudson.EnvVars;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.util.Set;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * What the descriptors of the ACR Pipeline steps share: the {@code credentialsId} list and the {@code registry}
 * check (see {@link StepForms}), and the context most steps need. Public, with public form methods, because
 * Stapler and {@code Descriptor} find {@code doCheck*}/{@code doFill*Items} among the public methods of the
 * descriptor's class and its superclasses and invoke them by reflection. Concrete descriptors stay nested in
 * their step class, where {@code Descriptor()} finds the type they describe.
 */
public abstract class AcrStepDescriptor extends StepDescriptor {

  /** {@link Run}, {@link TaskListener} and {@link EnvVars}; steps that need a workspace add {@code FilePath}. */
  @Override
  public Set<? extends Class<?>> getRequiredContext() {
    return Set.of(Run.class, TaskListener.class, EnvVars.class);
  }

  @POST
  public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
    return StepForms.credentialsIdItems(item, credentialsId);
  }

  @POST
  public FormValidation doCheckRegistry(@AncestorInPath Item item, @QueryParameter String value) {
    return StepForms.checkRegistry(item, value);
  }
}
