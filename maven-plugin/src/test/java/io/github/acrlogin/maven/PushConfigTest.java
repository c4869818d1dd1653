package io.github.acrlogin.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.api.buildplan.Port;
import io.github.acrlogin.auth.Registry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PushConfigTest {

  final Registry registry = Registry.parse("myregistry");

  // ---------------------------------------------------------------- base image per release

  @ParameterizedTest
  @CsvSource({
    ",,eclipse-temurin:17-jre",
    "17,,eclipse-temurin:17-jre",
    "21,,eclipse-temurin:21-jre",
    ",1.8,eclipse-temurin:8-jre",
    ",11,eclipse-temurin:11-jre",
    "15,,eclipse-temurin:17-jre",
    "22,,eclipse-temurin:25-jre",
    "26,,eclipse-temurin:26-jre",
    "11,17,eclipse-temurin:11-jre"
  })
  void baseImageMatchesTheJavaRelease(String release, String target, String expected) throws Exception {
    assertEquals(expected, PushConfig.defaultBaseImage(PushConfig.javaRelease(release, target)));
  }

  @Test
  void unparseableReleaseNamesTheProperty() {
    String m = assertThrows(ConfigurationProblem.class, () -> PushConfig.javaRelease("${java.version}", null))
        .getMessage();
    assertTrue(m.contains("maven.compiler.release") && m.contains("<from>"), m);
  }

  @Test
  void badBaseImageNamesFrom() {
    String m = assertThrows(ConfigurationProblem.class, () -> PushConfig.base("Not An Image")).getMessage();
    assertTrue(m.startsWith("<from> (acr.from)"), m);
  }

  @Test
  void scratchIsABase() throws Exception {
    assertTrue(PushConfig.base("scratch").isScratch());
  }

  // ---------------------------------------------------------------- target image

  @Test
  void repositoryAndTagMakeTheTarget() throws Exception {
    ImageReference r = PushConfig.target(registry, null, "samples/hello", "1.0");
    assertEquals("myregistry.azurecr.io/samples/hello:1.0", r.toString());
  }

  @Test
  void imageOverridesRepositoryAndTag() throws Exception {
    ImageReference r = PushConfig.target(registry, "myregistry.azurecr.io/apps/web:2", "ignored", "1.0");
    assertEquals("myregistry.azurecr.io/apps/web:2", r.toString());
  }

  @Test
  void imageInAnotherRegistryNamesBothElements() {
    String m = assertThrows(ConfigurationProblem.class,
        () -> PushConfig.target(registry, "other.azurecr.io/apps/web", null, "1")).getMessage();
    assertTrue(m.contains("<image>") && m.contains("<registry>"), m);
  }

  @Test
  void uppercaseRepositoryNamesTheElement() {
    String m = assertThrows(ConfigurationProblem.class,
        () -> PushConfig.target(registry, null, "Samples/Hello", "1")).getMessage();
    assertTrue(m.startsWith("<repository> (acr.repository)") && m.contains("lowercase"), m);
  }

  @Test
  void badTagNamesTheElement() {
    String m = assertThrows(ConfigurationProblem.class,
        () -> PushConfig.target(registry, null, "app", "-bad")).getMessage();
    assertTrue(m.startsWith("<tag> (acr.tag)"), m);
  }

  @Test
  void extraTagsSplitOnCommasAndDropTheMainTag() throws Exception {
    assertEquals(List.of("latest", "stable"), PushConfig.extraTags(List.of("latest,1.0", " stable "), "1.0"));
    assertThrows(ConfigurationProblem.class, () -> PushConfig.extraTags(List.of("bad tag"), "1.0"));
  }

  // ---------------------------------------------------------------- container settings

  @Test
  void creationTimeIsEpochByDefault() throws Exception {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    assertEquals(Instant.EPOCH, PushConfig.creationTime(null, now));
    assertEquals(Instant.EPOCH, PushConfig.creationTime("EPOCH", now));
    assertEquals(now, PushConfig.creationTime("USE_CURRENT_TIMESTAMP", now));
    assertEquals(Instant.parse("2025-05-01T10:00:00Z"), PushConfig.creationTime("2025-05-01T12:00:00+02:00", now));
    String m = assertThrows(ConfigurationProblem.class, () -> PushConfig.creationTime("yesterday", now)).getMessage();
    assertTrue(m.startsWith("<creationTime> (acr.creationTime)"), m);
  }

  @Test
  void platforms() throws Exception {
    assertEquals(Set.of(new Platform("amd64", "linux")), PushConfig.platforms(null));
    assertEquals(Set.of(new Platform("amd64", "linux"), new Platform("arm64", "linux")),
        PushConfig.platforms(List.of("linux/amd64,linux/arm64")));
    assertTrue(assertThrows(ConfigurationProblem.class, () -> PushConfig.platforms(List.of("windows/amd64")))
        .getMessage().contains("<platforms>"));
    assertTrue(assertThrows(ConfigurationProblem.class, () -> PushConfig.platforms(List.of("amd64")))
        .getMessage().contains("acr.platforms"));
  }

  @Test
  void ports() throws Exception {
    assertEquals(Set.of(Port.tcp(8080), Port.udp(53), Port.tcp(9000), Port.tcp(9001)),
        PushConfig.ports(List.of("8080", "53/udp", "9000-9001")));
    assertTrue(assertThrows(ConfigurationProblem.class, () -> PushConfig.ports(List.of("70000")))
        .getMessage().startsWith("<ports><port> (acr.ports)"));
  }

  @Test
  void formatAndPaths() throws Exception {
    assertTrue(assertThrows(ConfigurationProblem.class, () -> PushConfig.format("tar")).getMessage()
        .startsWith("<format>"));
    assertTrue(assertThrows(ConfigurationProblem.class, () -> PushConfig.unixPath("app", "<appRoot> (acr.appRoot)"))
        .getMessage().startsWith("<appRoot>"));
  }

  // ---------------------------------------------------------------- main class

  @Test
  void configuredMainClassWins(@TempDir Path dir) throws Exception {
    assertEquals("com.example.App", PushConfig.mainClass("com.example.App", "other.Main", dir));
    assertTrue(assertThrows(ConfigurationProblem.class, () -> PushConfig.mainClass("com example", null, dir))
        .getMessage().startsWith("<mainClass> (acr.mainClass)"));
  }

  @Test
  void jarManifestMainClassIsUsedNext(@TempDir Path dir) throws Exception {
    assertEquals("com.example.Cli", PushConfig.mainClass(null, "com.example.Cli", dir));
  }

  @Test
  void singleMainMethodIsDetected(@TempDir Path dir) throws Exception {
    compile(dir, "a/App.java", "package a; public class App { public static void main(String[] args) {} }");
    compile(dir, "a/Util.java", "package a; public class Util { static void main(String[] args) {} }");
    assertEquals("a.App", PushConfig.mainClass(null, null, dir.resolve("classes")));
  }

  @Test
  void twoMainMethodsAskForMainClass(@TempDir Path dir) throws Exception {
    compile(dir, "a/One.java", "package a; public class One { public static void main(String[] args) {} }");
    compile(dir, "a/Two.java", "package a; public class Two { public static void main(String[] args) {} }");
    String m = assertThrows(ConfigurationProblem.class, () -> PushConfig.mainClass(null, null, dir.resolve("classes")))
        .getMessage();
    assertTrue(m.contains("a.One") && m.contains("a.Two") && m.contains("<mainClass>"), m);
  }

  @Test
  void noMainMethodAsksForMainClass(@TempDir Path dir) throws Exception {
    compile(dir, "a/Lib.java", "package a; public class Lib {}");
    String m = assertThrows(ConfigurationProblem.class, () -> PushConfig.mainClass(null, null, dir.resolve("classes")))
        .getMessage();
    assertTrue(m.contains("<mainClass>"), m);
  }

  private static void compile(Path dir, String name, String source) throws Exception {
    Path src = dir.resolve("src").resolve(name);
    Files.createDirectories(src.getParent());
    Files.writeString(src, source);
    Path out = Files.createDirectories(dir.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertEquals(0, javac.run(null, null, null, "-d", out.toString(), src.toString()));
  }
}
