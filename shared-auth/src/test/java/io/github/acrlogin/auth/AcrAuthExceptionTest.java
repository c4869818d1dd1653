package io.github.acrlogin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AcrAuthExceptionTest {

  @Test
  void messageSaysWhatFailedWhyAndWhatToDoOnOneLine() {
    AcrAuthException e = AcrAuthException.because(Reason.ARM_TOKEN_DISALLOWED)
        .operation("ACR token exchange")
        .registry("myregistry.azurecr.io")
        .source("service principal 1234 [ARM audience]")
        .detail("401 {\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"arm aad token disallowed\"}]}\n")
        .failed();
    assertEquals("ACR token exchange failed for myregistry.azurecr.io with service principal 1234 [ARM audience]:"
        + " the registry rejects Azure Resource Manager (ARM) audience tokens because its authentication-as-arm"
        + " policy is disabled (\"arm aad token disallowed\") [401 {\"errors\":[{\"code\":\"UNAUTHORIZED\","
        + "\"message\":\"arm aad token disallowed\"}]}]. Fix: use the default ACR audience"
        + " (https://containerregistry.azure.net/.default) instead of the ARM audience", e.getMessage());
    assertInstanceOf(AuthenticationFailedException.class, e);
  }

  @ParameterizedTest
  @EnumSource(Reason.class)
  void everyReasonHasAnExplanationAndRemedyAndFormatsOnOneLine(Reason reason) {
    AcrAuthException e = AcrAuthException.because(reason).registry("r.azurecr.io").scope("repository:a:pull")
        .detail("line one\nline two").unavailable();
    assertFalse(e.getMessage().contains("\n"));
    assertTrue(e.getMessage().contains(reason.explanation()));
    assertTrue(e.getMessage().endsWith("Fix: " + reason.remedy()));
    assertFalse(reason.remedy().isBlank());
    assertInstanceOf(CredentialUnavailableException.class, e);
  }

  @Test
  void withRemedyKeepsEverythingElse() {
    AcrAuthException e = AcrAuthException.because(Reason.MISSING_ROLE).operation("ACR token exchange")
        .registry("r.azurecr.io").source("mi").failed();
    AcrAuthException copy = e.withRemedy("assign AcrPush");
    assertTrue(copy.getMessage().startsWith("ACR token exchange failed for r.azurecr.io with mi: "));
    assertTrue(copy.getMessage().endsWith("Fix: assign AcrPush"));
    assertEquals(Reason.MISSING_ROLE, copy.reason());
  }
}
