package io.github.acrlogin.jenkins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import hudson.model.AbstractBuild;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The masking filter, without Jenkins: what it masks, and that its serialized form holds no secret. */
class TokenMaskingFilterTest {

  private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLWJ5dGVz";
  private static final String PASSWORD = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA";

  private static String filter(TokenMaskingFilter f, String text) throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    // Typed null: ConsoleLogFilter overloads decorateLogger for AbstractBuild, Run and Computer, so a bare null is
    // ambiguous. Pipeline (TaskListenerDecorator, BodyInvoker's MergedFilter) calls the AbstractBuild one with null.
    try (OutputStream out = f.decorateLogger((AbstractBuild<?, ?>) null, sink)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return sink.toString(StandardCharsets.UTF_8);
  }

  @Test
  void masksEveryJwtAndTheDockerAuthOfTheNullGuidUser() throws Exception {
    TokenMaskingFilter f = TokenMaskingFilter.of(List.of(), StandardCharsets.UTF_8);
    String auth = Base64.getEncoder().encodeToString(
        ("00000000-0000-0000-0000-000000000000:" + JWT).getBytes(StandardCharsets.UTF_8));
    assertEquals("token ****\n\"auth\": \"****\"\nplain text\n",
        filter(f, "token " + JWT + "\n\"auth\": \"" + auth + "\"\nplain text\n"));
  }

  @Test
  void masksAPasswordAndItsBase64DockerFormWithoutKeepingThem() throws Exception {
    TokenMaskingFilter f = TokenMaskingFilter.of(TokenMaskingFilter.formsOf("ci-token", PASSWORD),
        StandardCharsets.UTF_8);
    String auth = Base64.getEncoder().encodeToString(("ci-token:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    assertEquals("pw=**** auth=****\n", filter(f, "pw=" + PASSWORD + " auth=" + auth + "\n"));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(f);
    }
    String serialized = bytes.toString(StandardCharsets.ISO_8859_1);
    assertFalse(serialized.contains(PASSWORD));
    assertFalse(serialized.contains(auth));
  }

  @Test
  void masksSecretsRegisteredLaterForARun() throws Exception {
    TokenMaskingFilter f = TokenMaskingFilter.forRun("job#1", StandardCharsets.UTF_8);
    TokenMaskingFilter.register("job#1", List.of(PASSWORD));
    try {
      assertEquals("x ****\n", filter(f, "x " + PASSWORD + "\n"));
    } finally {
      TokenMaskingFilter.unregister("job#1");
    }
  }
}
