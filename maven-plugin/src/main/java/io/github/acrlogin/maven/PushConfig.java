package io.github.acrlogin.maven;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.MainClassFinder;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.api.buildplan.Port;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * acr:push's configuration rules, without Maven or network: each parser names the element and property at fault.
 */
final class PushConfig {

  /** Java releases with an Eclipse Temurin LTS JRE image; others round up to the next one. */
  static final int[] TEMURIN_LTS = {8, 11, 17, 21, 25};
  static final int DEFAULT_RELEASE = 17;

  private static final Pattern PORT = Pattern.compile("(\\d+)(?:-(\\d+))?(?:/(tcp|udp))?");
  private static final Pattern PLATFORM = Pattern.compile("([a-z0-9]+)/([a-z0-9_]+)(?:/(v[0-9]+))?");
  private static final Pattern JAVA_NAME =
      Pattern.compile("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*"
          + "(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");

  private PushConfig() {}

  // ------------------------------------------------------------------ image names

  /**
   * The target image: {@code <image>} (a full or partial reference) or {@code <repository>} and {@code <tag>} in the
   * configured registry.
   */
  static ImageReference target(Registry registry, String image, String repository, String tag)
      throws ConfigurationProblem {
    String repo = repository;
    String t = tag;
    if (image != null && !image.isBlank()) {
      String ref = image.trim();
      String loginServer = registry.loginServer();
      if (ref.startsWith(loginServer + "/")) {
        ref = ref.substring(loginServer.length() + 1);
      } else {
        int slash = ref.indexOf('/');
        String first = slash < 0 ? "" : ref.substring(0, slash);
        if (first.contains(".") || first.contains(":")) {
          throw new ConfigurationProblem("<image> (acr.image) '" + image.trim() + "' names registry " + first
              + " but <registry> is " + loginServer + ": give only repository[:tag] in <image>, or make them agree");
        }
      }
      if (ref.contains("@")) {
        throw new ConfigurationProblem("<image> (acr.image) '" + image.trim() + "' has a digest; a pushed image is"
            + " named by repository and tag, e.g. samples/hello:1.0");
      }
      int colon = ref.lastIndexOf(':');
      if (colon > ref.lastIndexOf('/')) {
        t = ref.substring(colon + 1);
        ref = ref.substring(0, colon);
      }
      repo = ref;
    }
    if (repo == null || repo.isBlank()) {
      throw new ConfigurationProblem("No repository: set <repository> (acr.repository) or <image> (acr.image), e.g."
          + " <repository>samples/hello</repository>");
    }
    try {
      Scope.validateRepository(repo);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationProblem((image != null && !image.isBlank() ? "<image> (acr.image)"
          : "<repository> (acr.repository)") + ": " + e.getMessage());
    }
    String tg = t == null || t.isBlank() ? "latest" : t.trim();
    checkTag(tg, "<tag> (acr.tag)");
    return ImageReference.of(registry.loginServer(), repo, tg);
  }

  static void checkTag(String tag, String element) throws ConfigurationProblem {
    if (!ImageReference.isValidTag(tag)) {
      throw new ConfigurationProblem(element + " '" + tag + "' is not a valid tag: up to 128 letters, digits, '_',"
          + " '.' and '-', not starting with '.' or '-', e.g. 1.0.0");
    }
  }

  /** Extra tags, de-duplicated, without the main tag. */
  static List<String> extraTags(List<String> tags, String mainTag) throws ConfigurationProblem {
    Set<String> out = new LinkedHashSet<>();
    if (tags != null) {
      for (String raw : tags) {
        for (String t : raw == null ? new String[0] : raw.split(",")) {
          String tag = t.trim();
          if (!tag.isEmpty() && !tag.equals(mainTag)) {
            checkTag(tag, "<tags><tag> (acr.tags)");
            out.add(tag);
          }
        }
      }
    }
    return new ArrayList<>(out);
  }

  /** The base image reference; {@code scratch} is allowed. */
  static ImageReference base(String from) throws ConfigurationProblem {
    try {
      return ImageReference.parse(from.trim());
    } catch (InvalidImageReferenceException e) {
      throw new ConfigurationProblem("<from> (acr.from) '" + from.trim() + "' is not an image reference: use e.g."
          + " eclipse-temurin:17-jre, myregistry.azurecr.io/base/java:17 or scratch");
    }
  }

  // ------------------------------------------------------------------ base image default

  /**
   * The Java release the project targets: {@code maven.compiler.release}, else {@code maven.compiler.target}
   * ({@code 1.8} means 8), else 17.
   */
  static int javaRelease(String release, String target) throws ConfigurationProblem {
    for (String[] candidate : new String[][] {{release, "maven.compiler.release"}, {target, "maven.compiler.target"}}) {
      String v = candidate[0];
      if (v == null || v.isBlank()) {
        continue;
      }
      String s = v.trim();
      if (s.startsWith("1.")) {
        s = s.substring(2);
      }
      try {
        int n = Integer.parseInt(s);
        if (n >= 8) {
          return n;
        }
      } catch (NumberFormatException e) {
        // fall through to the message
      }
      throw new ConfigurationProblem("The property " + candidate[1] + " = '" + v.trim() + "' is not a Java release"
          + " acr:push can choose a base image for: set <from> (acr.from) explicitly, e.g. eclipse-temurin:17-jre");
    }
    return DEFAULT_RELEASE;
  }

  /** {@code eclipse-temurin:<n>-jre} for the LTS at or above {@code release} (newer releases: that release). */
  static String defaultBaseImage(int release) {
    for (int lts : TEMURIN_LTS) {
      if (release <= lts) {
        return "eclipse-temurin:" + lts + "-jre";
      }
    }
    return "eclipse-temurin:" + release + "-jre";
  }

  // ------------------------------------------------------------------ container settings

  /** {@code EPOCH} (reproducible, default), {@code USE_CURRENT_TIMESTAMP}, or an ISO-8601 instant. */
  static Instant creationTime(String value, Instant now) throws ConfigurationProblem {
    if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("EPOCH")) {
      return Instant.EPOCH;
    }
    String v = value.trim();
    if (v.equalsIgnoreCase("USE_CURRENT_TIMESTAMP")) {
      return now;
    }
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(v);
      } catch (DateTimeParseException e2) {
        throw new ConfigurationProblem("<creationTime> (acr.creationTime) '" + v + "' is not valid: use EPOCH (the"
            + " default, reproducible), USE_CURRENT_TIMESTAMP, or an ISO-8601 time such as 2026-01-31T12:00:00Z");
      }
    }
  }

  /** {@code os/arch[/variant]} such as {@code linux/amd64} or {@code linux/arm64}; default {@code linux/amd64}. */
  static Set<Platform> platforms(List<String> values) throws ConfigurationProblem {
    Set<Platform> out = new LinkedHashSet<>();
    for (String raw : values == null ? List.<String>of() : values) {
      for (String p : raw == null ? new String[0] : raw.split(",")) {
        String v = p.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
          continue;
        }
        Matcher m = PLATFORM.matcher(v);
        if (!m.matches()) {
          throw new ConfigurationProblem("<platforms><platform> (acr.platforms) '" + p.trim() + "' is not a platform:"
              + " use os/architecture such as linux/amd64 or linux/arm64");
        }
        if (!m.group(1).equals("linux")) {
          throw new ConfigurationProblem("<platforms><platform> (acr.platforms) '" + p.trim() + "': only linux"
              + " images can be built; use linux/amd64 or linux/arm64");
        }
        out.add(new Platform(m.group(2), m.group(1)));
      }
    }
    if (out.isEmpty()) {
      out.add(new Platform("amd64", "linux"));
    }
    return out;
  }

  /** {@code 8080}, {@code 8080/udp}, {@code 9000-9002/tcp}. */
  static Set<Port> ports(List<String> values) throws ConfigurationProblem {
    Set<Port> out = new LinkedHashSet<>();
    for (String raw : values == null ? List.<String>of() : values) {
      for (String p : raw == null ? new String[0] : raw.split(",")) {
        String v = p.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
          continue;
        }
        Matcher m = PORT.matcher(v);
        int low;
        int high;
        try {
          if (!m.matches()) {
            throw new NumberFormatException();
          }
          low = Integer.parseInt(m.group(1));
          high = m.group(2) == null ? low : Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
          throw badPort(p);
        }
        if (low < 1 || high > 65535 || high < low) {
          throw badPort(p);
        }
        String protocol = m.group(3) == null ? "tcp" : m.group(3);
        for (int port = low; port <= high; port++) {
          out.add(Port.parseProtocol(port, protocol));
        }
      }
    }
    return out;
  }

  private static ConfigurationProblem badPort(String p) {
    return new ConfigurationProblem("<ports><port> (acr.ports) '" + p.trim() + "' is not a port: use a number from 1"
        + " to 65535, a range such as 9000-9002, optionally with /tcp or /udp");
  }

  static ImageFormat format(String value) throws ConfigurationProblem {
    if (value == null || value.isBlank()) {
      return ImageFormat.Docker;
    }
    for (ImageFormat f : ImageFormat.values()) {
      if (f.name().equalsIgnoreCase(value.trim())) {
        return f;
      }
    }
    throw new ConfigurationProblem("<format> (acr.format) '" + value.trim() + "' is not valid: use Docker (default)"
        + " or OCI");
  }

  static AbsoluteUnixPath unixPath(String value, String element) throws ConfigurationProblem {
    if (value == null || !value.trim().startsWith("/")) {
      throw new ConfigurationProblem(element + " '" + value + "' must be an absolute path in the image, e.g. /app");
    }
    return AbsoluteUnixPath.get(value.trim());
  }

  // ------------------------------------------------------------------ main class

  /**
   * The main class: configured, else the maven-jar-plugin manifest's {@code mainClass}, else the one class in
   * {@code classes} with a {@code public static void main(String[])}.
   */
  static String mainClass(String configured, String jarManifestMainClass, Path classes)
      throws ConfigurationProblem {
    if (configured != null && !configured.isBlank()) {
      return checkClassName(configured.trim(), "<mainClass> (acr.mainClass)");
    }
    if (jarManifestMainClass != null && !jarManifestMainClass.isBlank()) {
      return checkClassName(jarManifestMainClass.trim(),
          "maven-jar-plugin's <archive><manifest><mainClass> (used because <mainClass> is not set)");
    }
    if (classes == null || !Files.isDirectory(classes)) {
      throw new ConfigurationProblem("No main class: " + classes + " does not exist (run the build through"
          + " package, e.g. mvn package acr:push) or set <mainClass> (acr.mainClass)");
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    } catch (IOException e) {
      throw new ConfigurationProblem("Could not read " + classes + " to find the main class (" + e.getMessage()
          + "): set <mainClass> (acr.mainClass)");
    }
    MainClassFinder.Result result = MainClassFinder.find(files, event -> { });
    switch (result.getType()) {
      case MAIN_CLASS_FOUND:
        return result.getFoundMainClass();
      case MULTIPLE_MAIN_CLASSES:
        throw new ConfigurationProblem("Several classes in " + classes + " have a public static void main: "
            + String.join(", ", result.getFoundMainClasses()) + ". Choose one with <mainClass> (acr.mainClass)");
      default:
        throw new ConfigurationProblem("No class in " + classes + " has a public static void main(String[]): set"
            + " <mainClass> (acr.mainClass) to the application's entry point");
    }
  }

  static String checkClassName(String name, String element) throws ConfigurationProblem {
    if (!JAVA_NAME.matcher(name).matches()) {
      throw new ConfigurationProblem(element + " '" + name + "' is not a fully qualified class name such as"
          + " com.example.Main");
    }
    return name;
  }
}
