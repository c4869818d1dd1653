package io.github.acrlogin.it.maven;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.maven.shared.invoker.DefaultInvocationRequest;
import org.apache.maven.shared.invoker.DefaultInvoker;
import org.apache.maven.shared.invoker.InvocationResult;
import org.apache.maven.shared.invoker.MavenInvocationException;

/**
 * One real {@code mvn} run of a sample project, through the Apache Maven Invoker library: a fresh copy of the
 * project, a given settings.xml, the throwaway local repository that invoker:install filled, a clean environment
 * (nothing of the developer's AZURE_* or ~/.docker leaks in) and MAVEN_OPTS that make the child JVM trust the test
 * bed's CA. The whole output is kept for assertions.
 */
final class MavenRun {

  /** What a run printed and how it ended. */
  record Result(int exitCode, String log, Path projectDir) {
    boolean succeeded() {
      return exitCode == 0;
    }

    @Override
    public String toString() {
      return "mvn exit " + exitCode + "\n" + log;
    }
  }

  private final Path workRoot;
  private final Path localRepo;
  private final String mavenOpts;
  private final Path home;
  private final Map<String, String> env = new LinkedHashMap<>();
  private final Properties properties = new Properties();
  private final List<String> goals = new ArrayList<>();
  private Path settings;
  private boolean quiet;
  private boolean debug;

  MavenRun(Path workRoot, Path localRepo, Path trustStore, String trustStorePassword) {
    this.workRoot = workRoot;
    this.localRepo = localRepo;
    this.home = workRoot.resolve("home");
    // C1 only: each child JVM lives seconds, so the optimising compiler never pays off.
    this.mavenOpts = "-Djavax.net.ssl.trustStore=" + trustStore + " -Djavax.net.ssl.trustStorePassword="
        + trustStorePassword + " -XX:TieredStopAtLevel=1 -Xshare:auto";
  }

  MavenRun goals(String... g) {
    goals.addAll(List.of(g));
    return this;
  }

  MavenRun property(String name, String value) {
    properties.setProperty(name, value);
    return this;
  }

  MavenRun env(String name, String value) {
    env.put(name, value);
    return this;
  }

  MavenRun settings(Path file) {
    this.settings = file;
    return this;
  }

  MavenRun quiet() {
    this.quiet = true;
    return this;
  }

  MavenRun debug() {
    this.debug = true;
    return this;
  }

  /** Runs in a fresh copy of {@code sample} (a directory under src/test/projects, or an empty one when null). */
  Result in(Path sample, String runName) throws IOException, MavenInvocationException {
    Path dir = workRoot.resolve("runs").resolve(runName);
    deleteTree(dir);
    Files.createDirectories(dir);
    if (sample != null) {
      copyTree(sample, dir);
    }
    Files.createDirectories(home);
    StringBuilder log = new StringBuilder();
    DefaultInvocationRequest request = new DefaultInvocationRequest();
    request.setBaseDirectory(dir.toFile());
    request.setGoals(goals);
    request.setBatchMode(true);
    request.setQuiet(quiet);
    request.setDebug(debug);
    request.setProperties(properties);
    request.setUserSettingsFile(settings.toFile());
    request.setGlobalSettingsFile(settings.toFile());
    request.setLocalRepositoryDirectory(localRepo.toFile());
    request.setJavaHome(new File(System.getProperty("java.home")));
    request.setShellEnvironmentInherited(false);
    request.addShellEnvironment("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    request.addShellEnvironment("HOME", home.toString());
    request.addShellEnvironment("MAVEN_OPTS", mavenOpts);
    env.forEach(request::addShellEnvironment);
    request.setTimeoutInSeconds(300);
    request.setOutputHandler(line -> log.append(line).append('\n'));
    request.setErrorHandler(line -> log.append(line).append('\n'));
    DefaultInvoker invoker = new DefaultInvoker();
    invoker.setMavenHome(new File(System.getProperty("maven.home", "/usr/share/maven")));
    InvocationResult result = invoker.execute(request);
    if (result.getExecutionException() != null) {
      throw new IllegalStateException("mvn could not be started", result.getExecutionException());
    }
    Files.writeString(dir.resolve("build.log"), log);
    return new Result(result.getExitCode(), log.toString(), dir);
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        String relative = from.relativize(p).toString();
        Path target = to.resolve(relative);
        if (relative.startsWith("target/") || relative.contains("/target/")) {
          continue;
        }
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
