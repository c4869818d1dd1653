package io.github.acrlogin.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * The ACR test bed: a throwaway CA, the Azure emulator and one real docker-registry per registry.
 * Start it once per test class and close it after:
 *
 * <pre>{@code
 * static AcrTestBed bed = AcrTestBed.start();
 * TestRegistry registry = bed.addRegistry("myregistry", r -> r.armPolicy(false).adminUser(true));
 * ServicePrincipal sp = bed.addServicePrincipal();
 * bed.grant(sp, registry, Role.ACR_PUSH);
 * }</pre>
 *
 * Everything listens on 127.0.0.1 only, on ports chosen at start. Set {@code -Dacr.it.keepWorkDir=true}
 * to keep the work directory (registry logs, certificates) after {@link #close()}.
 */
public final class AcrTestBed implements AutoCloseable {
  private final Path workDir;
  private final TestCa ca;
  private final AzureEmulator emulator;
  private final String tenantId = Directory.newId();
  private final List<TestRegistry> registries = new ArrayList<>();
  private final boolean ownsWorkDir;

  private AcrTestBed(Path workDir, boolean ownsWorkDir) {
    this.workDir = workDir;
    this.ownsWorkDir = ownsWorkDir;
    this.ca = TestCa.create(workDir.resolve("ca"));
    this.emulator = AzureEmulator.start(ca, workDir);
    emulator.directory().tenants.add(tenantId);
  }

  /** Starts a test bed in a new temporary directory (deleted on close). */
  public static AcrTestBed start() {
    try {
      return new AcrTestBed(Files.createTempDirectory("acr-test-bed"), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a test bed whose files go to {@code workDir} (kept on close). */
  public static AcrTestBed start(Path workDir) {
    try {
      return new AcrTestBed(Files.createDirectories(workDir), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The default tenant, where identities are registered unless told otherwise. */
  public String tenantId() {
    return tenantId;
  }

  /** Adds a registry with default settings (ARM policy enabled, admin user disabled). */
  public TestRegistry addRegistry(String name) {
    return addRegistry(name, r -> { });
  }

  /** Adds a registry: starts its docker-registry process and configures the token service for it. */
  public synchronized TestRegistry addRegistry(String name, Consumer<RegistrySpec> configure) {
    RegistrySpec spec = new RegistrySpec(name);
    configure.accept(spec);
    if (registries.stream().anyMatch(r -> r.name().equals(spec.name()))) {
      throw new IllegalArgumentException("registry " + spec.name() + " exists already");
    }
    RegistryServer server = RegistryServer.start(ca, emulator, workDir.resolve("registry-" + spec.name()));
    RegistryState state = new RegistryState(spec.name(), server.loginServer(), spec.resourceGroup(), spec.armPolicy(),
        spec.adminUser(), password(), password());
    emulator.directory().addRegistry(state);
    TestRegistry registry = new TestRegistry(state, server);
    registries.add(registry);
    return registry;
  }

  /** The emulated Azure subscription that holds every registry of the bed. */
  public String subscriptionId() {
    return emulator.directory().subscriptionId;
  }

  /** The registry's ARM resource id: {@code /subscriptions/{sub}/resourceGroups/{rg}/providers/...}. */
  public String resourceId(TestRegistry registry) {
    return ArmEndpoint.resourceId(subscriptionId(), registry.state());
  }

  /**
   * Where clients send Azure Resource Manager requests: the emulator, {@code https://127.0.0.1:<port>}. The
   * tokens it accepts still carry the public ARM audience ({@code https://management.azure.com/}).
   */
  public String resourceManagerEndpoint() {
    return emulator.baseUrl();
  }

  /**
   * Sets the registry's authentication-as-arm policy directly (as the emulated ARM {@code PATCH} does); the
   * token service applies it from the next exchange on.
   */
  public AcrTestBed setArmPolicy(TestRegistry registry, boolean enabled) {
    registry.state().armPolicy = enabled;
    return this;
  }

  /** Registers a service principal with a client secret in the default tenant. */
  public ServicePrincipal addServicePrincipal() {
    return addServicePrincipal(sp -> { });
  }

  /** Registers a service principal configured by {@code configure}. */
  public ServicePrincipal addServicePrincipal(Consumer<ServicePrincipalSpec> configure) {
    ServicePrincipalSpec spec = new ServicePrincipalSpec(tenantId);
    configure.accept(spec);
    if (!spec.secret() && !spec.certificate()) {
      throw new IllegalArgumentException("a service principal needs a secret or a certificate");
    }
    Directory.App app = emulator.directory().addApp(spec.tenantId());
    Optional<String> secret = Optional.empty();
    if (spec.secret()) {
      secret = Optional.of(password());
      app.secrets.add(new Directory.Secret(secret.get(), emulator.now().plus(spec.secretValidity())));
    }
    Optional<TestCertificate> certificate = Optional.empty();
    if (spec.certificate()) {
      certificate = Optional.of(ca.newClientCertificate("sp-" + app.clientId));
      app.certificates.add(certificate.get().key());
    }
    return new ServicePrincipal(app.tenantId, app.clientId, app.objectId, secret, certificate);
  }

  /** The machine's system-assigned managed identity (enabled on first use). */
  public ManagedIdentity systemAssignedIdentity() {
    return emulator.directory().systemAssigned(tenantId);
  }

  /** Adds a user-assigned managed identity to the emulated machine. */
  public ManagedIdentity addManagedIdentity(String name) {
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_-]{2,127}")) {
      throw new IllegalArgumentException("managed identity name '" + name + "' is not valid: 3 to 128 letters, "
          + "digits, '-' or '_'");
    }
    return emulator.directory().addUserAssigned(tenantId, name);
  }

  /**
   * Registers an app with a federated identity credential trusting the emulator's OIDC issuer for
   * {@code subject} (e.g. {@code system:serviceaccount:default:builder}) and audience
   * {@code api://AzureADTokenExchange}.
   */
  public WorkloadIdentity addWorkloadIdentity(String subject) {
    if (subject == null || subject.isBlank()) {
      throw new IllegalArgumentException("a federated credential needs a subject");
    }
    Directory.App app = emulator.directory().addApp(tenantId);
    app.federated.add(new Directory.FederatedCredential(emulator.federationIssuer(), subject,
        WorkloadIdentity.TOKEN_EXCHANGE_AUDIENCE));
    return new WorkloadIdentity(app.tenantId, app.clientId, app.objectId, emulator.federationIssuer(), subject);
  }

  /** A federated token for {@code identity}, valid for {@code lifetime} from now (negative: expired). */
  public String federatedAssertion(WorkloadIdentity identity, Duration lifetime) {
    return federatedAssertion(identity.subject(), WorkloadIdentity.TOKEN_EXCHANGE_AUDIENCE, lifetime);
  }

  /** A federated token for any subject and audience, e.g. to test mismatches. */
  public String federatedAssertion(String subject, String audience, Duration lifetime) {
    // An expired token was issued twice its lifetime ago, so it expired |lifetime| ago.
    boolean expired = lifetime.isNegative();
    Duration length = lifetime.abs();
    return emulator.federatedToken(subject, audience,
        expired ? emulator.now().minus(length.multipliedBy(2)) : emulator.now(), length.toSeconds());
  }

  /** Writes a federated token valid for one hour to a new file (as AKS's {@code AZURE_FEDERATED_TOKEN_FILE}). */
  public Path federatedToken(WorkloadIdentity identity) {
    return federatedToken(identity, Duration.ofHours(1));
  }

  /** Writes a federated token valid for {@code lifetime} (negative: expired) to a new file. */
  public Path federatedToken(WorkloadIdentity identity, Duration lifetime) {
    try {
      Path file = Files.createTempFile(workDir, "federated-token-", ".jwt");
      Files.writeString(file, federatedAssertion(identity, lifetime));
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Adds a repository-scoped token to {@code registry}, e.g.
   * {@code Map.of("app", Set.of(RepositoryPermission.CONTENT_READ))}.
   */
  public RepositoryToken addRepositoryToken(TestRegistry registry, String name,
      Map<String, Set<RepositoryPermission>> scopeMap) {
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9-]{4,49}")) {
      throw new IllegalArgumentException("token name '" + name + "' is not valid: 5 to 50 letters, digits or '-'");
    }
    if (scopeMap.isEmpty() || scopeMap.values().stream().anyMatch(Set::isEmpty)) {
      throw new IllegalArgumentException("a scope map needs at least one repository with at least one action");
    }
    if (name.equalsIgnoreCase(registry.name())) {
      throw new IllegalArgumentException("a token cannot be named like the registry (that is the admin user)");
    }
    RepositoryToken token = new RepositoryToken(registry.loginServer(), name, password(), password(), scopeMap);
    registry.state().addToken(token);
    return token;
  }

  /** Assigns {@code role} on {@code registry} to {@code identity}. */
  public AcrTestBed grant(Identity identity, TestRegistry registry, Role role) {
    registry.state().grant(identity.objectId(), role);
    return this;
  }

  /** Removes the assignment of {@code role} on {@code registry} from {@code identity}. */
  public AcrTestBed revoke(Identity identity, TestRegistry registry, Role role) {
    registry.state().revoke(identity.objectId(), role);
    return this;
  }

  public Counters counters() {
    return emulator.counters();
  }

  public FaultControls faults() {
    return emulator.faults();
  }

  /** The emulator (base URL, realm, federation issuer). */
  public AzureEmulator emulator() {
    return emulator;
  }

  /** Value for {@code AZURE_AUTHORITY_HOST} / {@code authorityHost(...)}: {@code https://127.0.0.1:<port>}. */
  public String authorityHost() {
    return emulator.baseUrl();
  }

  /** Value for {@code IDENTITY_ENDPOINT}. */
  public String identityEndpoint() {
    return emulator.identityEndpoint();
  }

  /** Value for {@code IDENTITY_HEADER}. */
  public String identityHeader() {
    return emulator.identityHeader();
  }

  /** The test CA's PKCS#12 trust store, for {@code -Djavax.net.ssl.trustStore}. */
  public Path trustStore() {
    return ca.trustStore();
  }

  public String trustStorePassword() {
    return ca.trustStorePassword();
  }

  /** Directory with {@code ca.crt} for skopeo's {@code --cert-dir}. */
  public Path certDir() {
    return ca.certDir();
  }

  /** TLS context that trusts the test CA, for clients in this JVM. */
  public SSLContext sslContext() {
    return ca.sslContext();
  }

  public TestCa ca() {
    return ca;
  }

  public Path workDir() {
    return workDir;
  }

  /** Stops every registry and the emulator; deletes the temp work dir unless asked to keep it. */
  @Override
  public synchronized void close() {
    for (TestRegistry r : registries) {
      r.server().close();
    }
    registries.clear();
    emulator.close();
    if (ownsWorkDir && !Boolean.getBoolean("acr.it.keepWorkDir")) {
      try (Stream<Path> files = Files.walk(workDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort: a temp dir left behind is harmless
      }
    }
  }

  private static String password() {
    // ACR passwords are base64-like strings of letters, digits, '+' and '/'.
    return Base64.getEncoder().withoutPadding().encodeToString(Randomness.bytes(24));
  }
}
