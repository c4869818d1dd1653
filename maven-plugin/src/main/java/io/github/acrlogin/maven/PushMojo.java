package io.github.acrlogin.maven;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.registry.credentials.CredentialRetrievalException;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.JavaContainerBuilder;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import io.github.acrlogin.auth.AcrAuthException;
import io.github.acrlogin.auth.AcrAuthenticator;
import io.github.acrlogin.auth.CredentialSource;
import io.github.acrlogin.auth.Redaction;
import io.github.acrlogin.auth.Registry;
import io.github.acrlogin.auth.RegistryLogin;
import io.github.acrlogin.auth.Scope;
import io.github.acrlogin.auth.Secret;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.inject.Inject;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.model.Plugin;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.project.MavenProject;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.codehaus.plexus.util.xml.Xpp3Dom;

/**
 * Builds the project's image with Jib Core (dependencies, snapshot dependencies, project dependencies, resources
 * and classes as separate layers) and pushes it to the registry, logged in through shared-auth. Prints the image and
 * its digest and writes {@code target/acr-push.json}. No Docker daemon needed.
 */
@Mojo(name = "push", threadSafe = true, defaultPhase = LifecyclePhase.PACKAGE,
    requiresDependencyResolution = ResolutionScope.RUNTIME)
public class PushMojo extends AbstractAcrMojo {

  /**
   * The target image as {@code repository[:tag]} (or {@code <login server>/repository[:tag]}); overrides
   * {@code <repository>} and {@code <tag>}.
   */
  @Parameter(property = "acr.image")
  protected String image;

  /** Repository in the registry, e.g. {@code samples/hello}. Default: the artifactId in lowercase. */
  @Parameter(property = "acr.repository")
  protected String repository;

  /** Tag of the image. Default: the project version. */
  @Parameter(property = "acr.tag", defaultValue = "${project.version}")
  protected String tag;

  /** More tags for the same image, e.g. {@code latest} ({@code -Dacr.tags=latest,stable}). */
  @Parameter(property = "acr.tags")
  protected List<String> tags;

  /**
   * Base image. Default: {@code eclipse-temurin:<release>-jre} matching {@code maven.compiler.release} (or
   * {@code maven.compiler.target}; 17 when neither is set), rounded up to an LTS. {@code scratch} builds without
   * one. A base image in an Azure container registry is pulled with the same credentials.
   */
  @Parameter(property = "acr.from")
  protected String from;

  /** Main class. Default: maven-jar-plugin's manifest {@code mainClass}, else the one class with a main method. */
  @Parameter(property = "acr.mainClass")
  protected String mainClass;

  /** JVM flags, e.g. {@code -Xmx512m}. */
  @Parameter(property = "acr.jvmFlags")
  protected List<String> jvmFlags;

  /** Environment variables of the container. */
  @Parameter
  protected Map<String, String> environment;

  /** Exposed ports: {@code 8080}, {@code 8443/tcp}, {@code 9000-9002/udp}. */
  @Parameter(property = "acr.ports")
  protected List<String> ports;

  /** Image labels. */
  @Parameter
  protected Map<String, String> labels;

  /** User (and group) the container runs as, e.g. {@code 1000:1000} or {@code nobody}. */
  @Parameter(property = "acr.user")
  protected String user;

  /** Working directory in the container, e.g. {@code /app}. */
  @Parameter(property = "acr.workingDirectory")
  protected String workingDirectory;

  /** Where the application goes in the image. */
  @Parameter(property = "acr.appRoot", defaultValue = JavaContainerBuilder.DEFAULT_APP_ROOT)
  protected String appRoot;

  /**
   * Image creation time: {@code EPOCH} (default: reproducible, the same digest for the same inputs),
   * {@code USE_CURRENT_TIMESTAMP}, or an ISO-8601 time.
   */
  @Parameter(property = "acr.creationTime", defaultValue = "EPOCH")
  protected String creationTime;

  /** Platforms to build for: {@code linux/amd64} (default), {@code linux/arm64}; several make an image index. */
  @Parameter(property = "acr.platforms")
  protected List<String> platforms;

  /** Manifest format: {@code Docker} (default) or {@code OCI}. */
  @Parameter(property = "acr.format", defaultValue = "Docker")
  protected String format;

  /** Jib's cache of application layers. */
  @Parameter(property = "acr.cacheDirectory", defaultValue = "${project.build.directory}/acr-cache")
  protected File cacheDirectory;

  /** Where the result ({@code image}, {@code digest}, {@code tags}, {@code registry}) is written as JSON. */
  @Parameter(property = "acr.pushResult", defaultValue = "${project.build.directory}/acr-push.json")
  protected File pushResult;

  @Inject
  public PushMojo(SettingsDecrypter decrypter) {
    super(decrypter);
  }

  @Override
  protected String goal() {
    return "push";
  }

  @Override
  protected void run() throws ConfigurationProblem, AcrAuthException, MojoExecutionException, MojoFailureException {
    if ("pom".equals(project.getPackaging())) {
      getLog().info("Skipping acr:push for " + project.getArtifactId() + ": packaging pom has no application");
      return;
    }
    Timing timing = new Timing(getLog(), Boolean.parseBoolean(property("acr.timing")));
    timing.mark("acr:push started");
    // 1. Everything that can be wrong in the configuration fails here, before any network call.
    Registry reg = resolveRegistry();
    String defaultRepository = project.getArtifactId().toLowerCase(java.util.Locale.ROOT);
    ImageReference target = PushConfig.target(reg, image, repository == null ? defaultRepository : repository, tag);
    List<String> extraTags = PushConfig.extraTags(tags, target.getTag().orElse("latest"));
    String fromValue = from != null && !from.isBlank() ? from
        : PushConfig.defaultBaseImage(PushConfig.javaRelease(property("maven.compiler.release"),
            property("maven.compiler.target")));
    ImageReference base = PushConfig.base(fromValue);
    Path classes = new File(project.getBuild().getOutputDirectory()).toPath();
    String main = PushConfig.mainClass(mainClass, jarManifestMainClass(project), classes);
    Instant created = PushConfig.creationTime(creationTime, Instant.now());
    var platformSet = PushConfig.platforms(platforms);
    var portSet = PushConfig.ports(ports);
    var imageFormat = PushConfig.format(format);
    var appRootPath = PushConfig.unixPath(appRoot, "<appRoot> (acr.appRoot)");
    var workDir = workingDirectory == null || workingDirectory.isBlank() ? null
        : PushConfig.unixPath(workingDirectory, "<workingDirectory> (acr.workingDirectory)");
    CredentialSource source = credentialSource(reg);
    timing.mark("configuration validated");

    // 2. Log in (one exchange per registry and identity in this JVM) on a background thread, so that the Entra
    // sign-in and the exchange overlap with Jib's start-up and layer building; Jib's credential retriever waits for
    // it. An authentication failure still wins over whatever Jib then reports, so it keeps shared-auth's remedy.
    AcrAuthenticator acr = authenticator();
    Redactor redactor = new Redactor();
    BackgroundLogin login = new BackgroundLogin(acr, reg, source, getLog(), timing);
    RegistryImage targetImage = RegistryImage.named(target).addCredentialRetriever(() -> Optional.of(
        jib(login.await(redactor))));

    RegistryImage baseImage = base.isScratch() ? null : RegistryImage.named(base);
    Registry baseRegistry = base.isScratch() ? null : acrRegistryOf(base, reg);
    BackgroundLogin baseLogin = null;
    if (baseRegistry != null) {
      BackgroundLogin bl = baseRegistry.equals(reg) ? login
          : new BackgroundLogin(acr, baseRegistry, source, getLog(), timing);
      baseLogin = bl;
      baseImage.addCredentialRetriever(() -> Optional.of(jib(bl.await(redactor))));
      getLog().debug("Base image " + base + " is in " + baseRegistry + ": pulling it with the same identity");
    }

    // 3. Build the layers and push.
    JibContainer container;
    Progress progress = new Progress();
    try {
      JavaContainerBuilder java = baseImage == null
          ? JavaContainerBuilder.from(ImageReference.scratch())
          : JavaContainerBuilder.from(baseImage);
      java.setAppRoot(appRootPath);
      addDependencies(java);
      if (Files.isDirectory(classes)) {
        // target/classes holds both: class files and processed resources go to separate layers (as jib-maven-plugin).
        java.addResources(classes, p -> !isClassFile(p));
        java.addClasses(classes, PushMojo::isClassFile);
      }
      if (jvmFlags != null) {
        java.addJvmFlags(jvmFlags.stream().filter(f -> f != null && !f.isBlank()).collect(Collectors.toList()));
      }
      java.setMainClass(main);
      JibContainerBuilder builder = java.toContainerBuilder()
          .setCreationTime(created)
          .setFormat(imageFormat)
          .setPlatforms(platformSet)
          .setExposedPorts(portSet);
      if (environment != null && !environment.isEmpty()) {
        builder.setEnvironment(environment);
      }
      if (labels != null && !labels.isEmpty()) {
        builder.setLabels(labels);
      }
      if (user != null && !user.isBlank()) {
        builder.setUser(user.trim());
      }
      if (workDir != null) {
        builder.setWorkingDirectory(workDir);
      }
      Containerizer containerizer = Containerizer.to(targetImage)
          .setToolName("acr-maven-plugin")
          .setApplicationLayersCache(cacheDirectory.toPath())
          .setOfflineMode(false)
          .addEventHandler(LogEvent.class, e -> log(e, redactor))
          .addEventHandler(ProgressEvent.class, progress::update);
      for (String t : extraTags) {
        containerizer.withAdditionalTag(t);
      }
      getLog().info("Building " + target + " from " + (baseImage == null ? "scratch" : base) + " (main class "
          + main + ", " + platformSet.stream().map(p -> p.getOs() + "/" + p.getArchitecture())
          .collect(Collectors.joining(", ")) + ")");
      timing.mark("Jib configured");
      container = builder.containerize(containerizer);
      timing.mark("Jib finished");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MojoExecutionException("Interrupted while pushing " + target);
    } catch (RegistryException | ExecutionException | IOException | CacheDirectoryCreationException
        | RuntimeException e) {
      // A failed login explains the failure better than Jib's symptom of it, but only a failure that is the
      // login's: a local one (cache, layers, a Docker Hub base image) neither waits for a login nor is hidden by it.
      boolean credentials = JibFailures.isCredentialFailure(e);
      login.rethrowFailure(credentials);
      if (baseLogin != null && baseLogin != login) {
        baseLogin.rethrowFailure(credentials);
      }
      throw new JibFailures(acr, reg, source, target, baseImage == null ? null : base, baseRegistry, redactor)
          .explain(e);
    }

    // 4. Report.
    String digest = container.getDigest().toString();
    List<String> allTags = new ArrayList<>();
    allTags.add(target.getTag().orElse("latest"));
    allTags.addAll(extraTags);
    getLog().info("Pushed " + target + (extraTags.isEmpty() ? "" : " (also tagged " + String.join(", ", extraTags)
        + ")"));
    getLog().info("Digest: " + digest);
    getLog().info("Image: " + reg.loginServer() + "/" + target.getRepository() + "@" + digest);
    writeResult(reg, target, digest, allTags);
  }

  // ------------------------------------------------------------------ Jib credentials

  /**
   * A registry login started on a daemon thread as soon as the configuration is known; {@link #await} hands it to
   * Jib's credential retriever (which Jib calls when the registry first asks for authentication), or the
   * {@link AcrAuthException} with its remedy. Events of the login go to the goal's log.
   */
  static final class BackgroundLogin {
    /** The longest a credential failure of Jib waits for a login still running, to report its cause instead. */
    static final java.time.Duration FAILURE_WAIT = java.time.Duration.ofMinutes(2);

    private final CompletableFuture<RegistryLogin> future;

    /** A login already under way (or ended), for tests. */
    BackgroundLogin(CompletableFuture<RegistryLogin> future) {
      this.future = future;
    }

    BackgroundLogin(AcrAuthenticator acr, Registry registry, CredentialSource source,
        org.apache.maven.plugin.logging.Log log, Timing timing) {
      this.future = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        Authenticators.attach(log);
        try {
          future.complete(acr.login(registry, source));
          timing.mark("logged in to " + registry.loginServer());
        } catch (Throwable e) {
          future.completeExceptionally(e);
        } finally {
          Authenticators.detach();
        }
      }, "acr-login " + registry.loginServer());
      t.setDaemon(true);
      t.start();
    }

    /** Waits for the login; the credential's secret is added to {@code redactor} before Jib sees it. */
    RegistryLogin await(Redactor redactor) throws CredentialRetrievalException {
      try {
        RegistryLogin login = future.get();
        redactor.add(login);
        return login;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CredentialRetrievalException(e);
      } catch (ExecutionException e) {
        throw new CredentialRetrievalException(e.getCause());
      }
    }

    /**
     * Throws the login's failure when it has already failed, or, when Jib's failure was about credentials
     * ({@code credentialFailure}), once the login ends (waiting at most {@link #FAILURE_WAIT}); returns otherwise.
     * Never waits for a login that a local failure has nothing to do with.
     */
    void rethrowFailure(boolean credentialFailure) throws AcrAuthException {
      if (!future.isDone() && !credentialFailure) {
        return;
      }
      try {
        future.get(FAILURE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (TimeoutException e) {
        // Still running: report Jib's own failure.
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof AcrAuthException) {
          throw (AcrAuthException) cause;
        }
        if (cause instanceof RuntimeException) {
          throw (RuntimeException) cause;
        }
        if (cause instanceof Error) {
          throw (Error) cause;
        }
      }
    }
  }

  /**
   * Jib's credential for a registry login. For an ACR refresh token we give Jib the user {@code <token>}
   * ({@link Credential#OAUTH2_TOKEN_USER_NAME}): Jib's RegistryAuthenticator then POSTs
   * {@code grant_type=refresh_token&refresh_token=...&service=...&scope=...} to the realm, which is exactly ACR's
   * documented refresh-token grant on {@code /oauth2/token} (ACR-PROTOCOL.md section 4). With a plain user name (the
   * null GUID) Jib would instead GET the realm with Basic credentials, which ACR also accepts but which puts the
   * refresh token in a Basic header on a GET, an undocumented path that other registries' token services refuse.
   * Admin-user and repository-token logins are real Basic credentials, which ACR's GET realm accepts.
   */
  static Credential jib(RegistryLogin login) {
    return login.isRefreshToken()
        ? Credential.from(Credential.OAUTH2_TOKEN_USER_NAME, login.password().reveal())
        : Credential.from(login.username(), login.password().reveal());
  }

  /** The base image's registry when it is an ACR registry (the target's, or one of the cloud's suffix). */
  static Registry acrRegistryOf(ImageReference base, Registry target) {
    String host = base.getRegistry();
    if (host == null) {
      return null;
    }
    if (host.equalsIgnoreCase(target.loginServer())) {
      return target;
    }
    try {
      Registry r = Registry.parse(host, target.cloud());
      String h = r.loginServer();
      int colon = h.lastIndexOf(':');
      String bare = colon > 0 ? h.substring(0, colon) : h;
      return bare.endsWith(target.cloud().loginServerSuffix()) ? r : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ project inputs

  private void addDependencies(JavaContainerBuilder java) throws IOException {
    Set<String> reactor = session == null ? Set.of() : session.getProjects().stream()
        .map(p -> p.getGroupId() + ":" + p.getArtifactId()).collect(Collectors.toSet());
    List<Path> release = new ArrayList<>();
    List<Path> snapshots = new ArrayList<>();
    List<Path> projects = new ArrayList<>();
    for (Artifact a : project.getArtifacts()) {
      File f = a.getFile();
      if (f == null || !f.isFile() || !a.getArtifactHandler().isAddedToClasspath()) {
        continue;
      }
      if (reactor.contains(a.getGroupId() + ":" + a.getArtifactId())) {
        projects.add(f.toPath());
      } else if (a.isSnapshot()) {
        snapshots.add(f.toPath());
      } else {
        release.add(f.toPath());
      }
    }
    if (!release.isEmpty()) {
      java.addDependencies(release);
    }
    if (!snapshots.isEmpty()) {
      java.addSnapshotDependencies(snapshots);
    }
    if (!projects.isEmpty()) {
      java.addProjectDependencies(projects);
    }
  }

  private static boolean isClassFile(Path p) {
    return p.getFileName() != null && p.getFileName().toString().endsWith(".class");
  }

  /** maven-jar-plugin's {@code <archive><manifest><mainClass>}, from the plugin or one of its executions. */
  static String jarManifestMainClass(MavenProject project) {
    for (Plugin plugin : project.getBuildPlugins()) {
      if (!"org.apache.maven.plugins:maven-jar-plugin".equals(plugin.getKey())) {
        continue;
      }
      List<Object> configurations = new ArrayList<>();
      configurations.add(plugin.getConfiguration());
      plugin.getExecutions().forEach(e -> configurations.add(e.getConfiguration()));
      for (Object c : configurations) {
        String v = child((Xpp3Dom) c, "archive", "manifest", "mainClass");
        if (v != null && !v.isBlank() && !v.contains("${")) {
          return v.trim();
        }
      }
    }
    return null;
  }

  private static String child(Xpp3Dom dom, String... path) {
    Xpp3Dom d = dom;
    for (String p : path) {
      if (d == null) {
        return null;
      }
      d = d.getChild(p);
    }
    return d == null ? null : d.getValue();
  }

  // ------------------------------------------------------------------ output

  private void log(LogEvent e, Redactor redactor) {
    boolean debugOnly = e.getLevel() != LogEvent.Level.ERROR && e.getLevel() != LogEvent.Level.WARN
        && e.getLevel() != LogEvent.Level.LIFECYCLE && e.getLevel() != LogEvent.Level.PROGRESS;
    if (debugOnly && !getLog().isDebugEnabled()) {
      return; // Jib's INFO and DEBUG events are many: do not redact what nobody will see
    }
    String m = redactor.redact(e.getMessage());
    switch (e.getLevel()) {
      case ERROR:
        getLog().error(m);
        break;
      case WARN:
        getLog().warn(m);
        break;
      case LIFECYCLE:
      case PROGRESS:
        getLog().info(m);
        break;
      default:
        getLog().debug(m);
    }
  }

  /** Sums Jib's progress allocations and logs each 10% step while layers upload. */
  private final class Progress {
    private double done;
    private int lastStep;

    synchronized void update(ProgressEvent e) {
      done += e.getUnits() * e.getAllocation().getFractionOfRoot() / Math.max(1, e.getAllocation().getAllocationUnits());
      int step = (int) Math.floor(Math.min(1.0, done) * 10);
      if (step > lastStep) {
        lastStep = step;
        getLog().info(String.format("Building and pushing: %d%% (%s)", step * 10, e.getAllocation().getDescription()));
      }
    }
  }

  private void writeResult(Registry reg, ImageReference target, String digest, List<String> allTags)
      throws MojoExecutionException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("image", target.toString());
    root.put("digest", digest);
    ArrayNode t = root.putArray("tags");
    allTags.forEach(t::add);
    root.put("registry", reg.loginServer());
    root.put("repository", target.getRepository());
    Path file = pushResult.toPath();
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, (json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n")
          .getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new MojoExecutionException("Could not write " + file + ": " + e.getMessage());
    }
  }

  /** Turns Jib's failures into one-line messages with a remedy; nothing secret survives. */
  static final class JibFailures {
    private final AcrAuthenticator acr;
    private final Registry registry;
    private final CredentialSource source;
    private final ImageReference target;
    private final ImageReference base;
    private final Registry baseRegistry;
    private final Redactor redactor;

    /**
     * @param base the base image, null for scratch
     * @param baseRegistry the base image's registry when it is an ACR registry pulled with {@code source}, else null
     */
    JibFailures(AcrAuthenticator acr, Registry registry, CredentialSource source, ImageReference target,
        ImageReference base, Registry baseRegistry, Redactor redactor) {
      this.acr = acr;
      this.registry = registry;
      this.source = source;
      this.target = target;
      this.base = base;
      this.baseRegistry = baseRegistry;
      this.redactor = redactor;
    }

    /**
     * True when Jib failed over credentials: our credential retriever failed, the registry's token service refused
     * them, or a registry answered 401 or 403.
     */
    static boolean isCredentialFailure(Throwable t) {
      if (isCause(t, CredentialRetrievalException.class)
          || isCause(t, com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException.class)) {
        return true;
      }
      Integer status = httpStatus(t);
      return status != null && (status == 401 || status == 403);
    }

    MojoFailureException explain(Exception e) {
      Throwable root = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      Integer status = httpStatus(root);
      String what = "Pushing " + target + " failed";
      if (status != null && (status == 401 || status == 403)) {
        String host = failingRegistry(root);
        if (base != null && host != null && !host.equalsIgnoreCase(target.getRegistry())) {
          return baseImageRefused(what, host, status, root);
        }
        // Find out why with the least request there is: ask for exactly the push scope.
        try {
          acr.accessToken(registry, source, List.of(Scope.push(target.getRepository())));
        } catch (AcrAuthException auth) {
          return new MojoFailureException(what + ": " + auth.getMessage());
        }
        // The identity may push there, so the refusal has another cause: report it as it is.
        return new MojoFailureException(what + ": " + (host == null ? registry.loginServer() : host) + " answered "
            + status + " although " + source + " may push to " + target.getRepository() + " (" + message(root) + ")");
      }
      if (isCause(root, javax.net.ssl.SSLException.class)) {
        return new MojoFailureException(what + ": the TLS connection failed (" + message(root) + "). Fix: make the"
            + " JVM trust the registry's certificate chain (e.g. MAVEN_OPTS=-Djavax.net.ssl.trustStore=...)");
      }
      if (isCause(root, java.net.ConnectException.class) || isCause(root, java.net.UnknownHostException.class)
          || isCause(root, java.net.SocketTimeoutException.class)) {
        return new MojoFailureException(what + ": a registry could not be reached (" + message(root) + "). Fix:"
            + " check the registry name, the base image's registry, DNS, proxy settings and network access");
      }
      return new MojoFailureException(what + ": " + message(root));
    }

    /** The base image's registry refused the pull: name it, and find out why when it is an ACR registry. */
    private MojoFailureException baseImageRefused(String what, String host, int status, Throwable root) {
      if (baseRegistry != null) {
        try {
          acr.accessToken(baseRegistry, source, List.of(Scope.pull(base.getRepository())));
        } catch (AcrAuthException auth) {
          return new MojoFailureException(what + ": pulling the base image " + base + " failed: " + auth.getMessage());
        }
      }
      return new MojoFailureException(what + ": the base image's registry " + host + " answered " + status + " for "
          + base + " (" + message(root) + "). Fix: check that <from> (acr.from) names an image that exists and that "
          + (baseRegistry != null ? source + " may pull it" : "it can be pulled without credentials"));
    }

    /** The registry (host) of the request that Jib's failure is about, when Jib says. */
    static String failingRegistry(Throwable t) {
      for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
        if (c instanceof com.google.cloud.tools.jib.api.RegistryUnauthorizedException) {
          String ref = ((com.google.cloud.tools.jib.api.RegistryUnauthorizedException) c).getImageReference();
          if (ref != null && !ref.isBlank()) {
            int slash = ref.indexOf('/');
            return slash > 0 ? ref.substring(0, slash) : ref;
          }
        }
        if (c instanceof com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException) {
          String url = ((com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException) c).getServerUrl();
          if (url != null && !url.isBlank()) {
            return url;
          }
        }
      }
      return null;
    }

    private String message(Throwable t) {
      StringBuilder s = new StringBuilder(t.getClass().getSimpleName());
      if (t.getMessage() != null) {
        s.append(": ").append(t.getMessage());
      }
      if (t.getCause() != null && t.getCause() != t && t.getCause().getMessage() != null) {
        s.append(" (").append(t.getCause().getMessage()).append(')');
      }
      return redactor.redact(s.toString().replace('\n', ' '));
    }

    static boolean isCause(Throwable t, Class<? extends Throwable> type) {
      for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
        if (type.isInstance(c)) {
          return true;
        }
      }
      return false;
    }

    /** The HTTP status of a Jib registry failure, when there is one. */
    static Integer httpStatus(Throwable t) {
      boolean unauthorized = false;
      for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
        if (c instanceof com.google.cloud.tools.jib.http.ResponseException) {
          return ((com.google.cloud.tools.jib.http.ResponseException) c).getStatusCode();
        }
        unauthorized |= c instanceof com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
      }
      return unauthorized ? 401 : null;
    }
  }

  /**
   * Removes the credentials handed to Jib from any text that leaves this goal: shared-auth's {@link Redaction} (JWTs,
   * such as Jib's own access tokens, {@code Authorization} values and secret-bearing fields) plus the exact values
   * handed to Jib and, for Basic logins, the base64 of {@code user:password} that Jib sends. Safe for Jib's threads.
   */
  static final class Redactor {
    private final Set<Secret> secrets = ConcurrentHashMap.newKeySet();

    /** Adds the secret of a login that is about to be handed to Jib. */
    Redactor add(RegistryLogin login) {
      if (login.password().reveal().length() < 4) {
        return this; // masking every occurrence of a few characters would garble messages and hide nothing
      }
      secrets.add(login.password());
      if (!login.isRefreshToken()) {
        // Jib sends Basic credentials as base64(user:password), which could be echoed back in an error.
        secrets.add(Secret.of(Base64.getEncoder().encodeToString(
            (login.username() + ":" + login.password().reveal()).getBytes(StandardCharsets.UTF_8))));
      }
      return this;
    }

    String redact(String text) {
      if (text == null) {
        return "";
      }
      return Redaction.redact(text, secrets.toArray(new Secret[0]));
    }
  }
}
