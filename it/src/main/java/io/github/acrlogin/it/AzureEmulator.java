package io.github.acrlogin.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One HTTPS server on 127.0.0.1 that speaks, on the wire, like Microsoft Entra ID (token endpoint and
 * discovery), an App Service managed-identity endpoint, an OIDC issuer for workload identity
 * federation, ACR's token service ({@code /oauth2/exchange}, {@code /oauth2/token}) and the registry part of
 * Azure Resource Manager ({@code /subscriptions/...}, see {@link ArmEndpoint}). It signs the
 * registry access tokens with a key whose certificate the real registry trusts, so the registry enforces
 * exactly what the emulator grants. Requests are counted and can be made to fail; see {@link #counters()}
 * and {@link #faults()}.
 */
public final class AzureEmulator implements AutoCloseable {
  /** The {@code iss} of ACR refresh and access tokens, and the registry's {@code auth.token.issuer}. */
  public static final String ACR_ISSUER = "Azure Container Registry";

  private static final Logger LOG = Logger.getLogger(AzureEmulator.class.getName());

  private final HttpsServer server;
  private final ExecutorService executor;
  private final String baseUrl;
  private final Directory directory = new Directory();
  private final Counters counters = new Counters();
  private final FaultControls faults = new FaultControls(Clock.systemUTC());
  private final String identityHeader = Randomness.hex(16);
  private final SigningKey entraKey = TestCa.selfSigned("emulated Entra ID token signing");
  private final SigningKey federationKey = TestCa.selfSigned("emulated OIDC issuer");
  private final SigningKey acrAccessKey = TestCa.selfSigned("emulated ACR access token signing");
  private final SigningKey acrRefreshKey = TestCa.selfSigned("emulated ACR refresh token signing");
  private final Path acrTokenBundle;
  private final EntraEndpoint entra;
  private final ManagedIdentityEndpoint managedIdentity;
  private final AcrTokenService acr;
  private final ArmEndpoint arm;

  private AzureEmulator(TestCa ca, Path workDir) throws IOException {
    this.acrTokenBundle = TestCa.writePem(workDir.resolve("acr-token-signing.pem"), acrAccessKey.certificate());
    this.server = HttpsServer.create(new InetSocketAddress(TestCa.loopback(), 0), 64);
    server.setHttpsConfigurator(new HttpsConfigurator(ca.serverSslContext()));
    this.baseUrl = "https://127.0.0.1:" + server.getAddress().getPort();
    this.entra = new EntraEndpoint(this);
    this.managedIdentity = new ManagedIdentityEndpoint(this);
    this.acr = new AcrTokenService(this);
    this.arm = new ArmEndpoint(this);
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "azure-emulator");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts an emulator on a free port of 127.0.0.1, with TLS from {@code ca}; files go to {@code workDir}. */
  public static AzureEmulator start(TestCa ca, Path workDir) {
    try {
      return new AzureEmulator(ca, workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code https://127.0.0.1:<port>}: the authority host for Azure Identity and the realm's origin. */
  public String baseUrl() {
    return baseUrl;
  }

  /** The ACR realm the registries announce: {@code https://127.0.0.1:<port>/oauth2/token}. */
  public String realm() {
    return baseUrl + "/oauth2/token";
  }

  /** Value for {@code IDENTITY_ENDPOINT}. */
  public String identityEndpoint() {
    return baseUrl + "/msi/token";
  }

  /** Value for {@code IDENTITY_HEADER} (the secret the managed-identity endpoint expects). */
  public String identityHeader() {
    return identityHeader;
  }

  /** The issuer of federated (workload identity) tokens. */
  public String federationIssuer() {
    return baseUrl + "/federation";
  }

  /** PEM bundle with the certificate of the ACR access-token key, for the registry's {@code rootcertbundle}. */
  public Path acrTokenCertificateBundle() {
    return acrTokenBundle;
  }

  public Counters counters() {
    return counters;
  }

  public FaultControls faults() {
    return faults;
  }

  Directory directory() {
    return directory;
  }

  SigningKey entraKey() {
    return entraKey;
  }

  SigningKey federationKey() {
    return federationKey;
  }

  SigningKey acrAccessKey() {
    return acrAccessKey;
  }

  SigningKey acrRefreshKey() {
    return acrRefreshKey;
  }

  Instant now() {
    return faults.now();
  }

  /** Issues an Entra access token (v1 shape: {@code iss} = {@code https://sts.windows.net/{tid}/}). */
  String entraToken(Identity identity, String audience, String appidacr) {
    Instant now = now();
    long iat = now.getEpochSecond();
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("aud", audience);
    claims.put("iss", "https://sts.windows.net/" + identity.tenantId() + "/");
    claims.put("iat", iat);
    claims.put("nbf", iat);
    claims.put("exp", iat + faults.entraLifetime().toSeconds());
    claims.put("appid", identity.clientId());
    claims.put("appidacr", appidacr);
    claims.put("idtyp", "app");
    claims.put("oid", identity.objectId());
    claims.put("sub", identity.objectId());
    claims.put("tid", identity.tenantId());
    claims.put("uti", Directory.newId());
    claims.put("ver", "1.0");
    return Jwt.sign(Map.of("x5t", entraKey.x5t(), "kid", entraKey.x5t()), claims, entraKey.privateKey());
  }

  /**
   * A federated token from the emulator's OIDC issuer, as a Kubernetes service account token projected
   * for workload identity would be ({@code aud} = {@code api://AzureADTokenExchange}).
   */
  String federatedToken(String subject, String audience, Instant issuedAt, long lifetimeSeconds) {
    long iat = issuedAt.getEpochSecond();
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("aud", List.of(audience));
    claims.put("iss", federationIssuer());
    claims.put("sub", subject);
    claims.put("iat", iat);
    claims.put("nbf", iat);
    claims.put("exp", iat + lifetimeSeconds);
    claims.put("jti", Directory.newId());
    return Jwt.sign(Map.of("kid", federationKey.x5t()), claims, federationKey.privateKey());
  }

  /** A JWKS document for {@code key}. */
  static Map<String, Object> jwks(SigningKey key) {
    RSAPublicKey pub = (RSAPublicKey) key.publicKey();
    Map<String, Object> jwk = new LinkedHashMap<>();
    jwk.put("kty", "RSA");
    jwk.put("use", "sig");
    jwk.put("kid", key.x5t());
    jwk.put("x5t", key.x5t());
    jwk.put("n", Jwt.b64(unsigned(pub.getModulus().toByteArray())));
    jwk.put("e", Jwt.b64(unsigned(pub.getPublicExponent().toByteArray())));
    jwk.put("x5c", List.of(key.x5c()));
    return Map.of("keys", List.of(jwk));
  }

  private static byte[] unsigned(byte[] twosComplement) {
    return twosComplement.length > 1 && twosComplement[0] == 0
        ? java.util.Arrays.copyOfRange(twosComplement, 1, twosComplement.length) : twosComplement;
  }

  private void handle(HttpExchange exchange) {
    HttpCall call = new HttpCall(exchange);
    Endpoint endpoint = route(call);
    // Counted before the answer leaves, so a client that got its answer sees its request counted.
    call.beforeAnswer(() -> counters.record(endpoint,
        endpoint == Endpoint.UNKNOWN ? call.method() + " " + call.path() : call.identity()));
    try {
      call.identity(peekIdentity(call, endpoint));
      FaultControls.Fault fault = faults.next(endpoint);
      if (!fault.delay().isZero()) {
        Thread.sleep(fault.delay().toMillis());
      }
      switch (fault.kind()) {
        case DROP -> call.drop();
        case THROTTLE -> {
          call.header("Retry-After", Integer.toString(fault.retryAfterSeconds()));
          failure(call, endpoint, 429);
        }
        case SERVER_ERROR -> failure(call, endpoint, 503);
        case NONE -> dispatch(call, endpoint);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.drop();
    } catch (IOException | RuntimeException e) {
      // Never the request itself in the log: it may hold secrets.
      LOG.log(Level.WARNING, "emulator failed on " + endpoint + ": " + e.getClass().getName());
      call.drop();
    } finally {
      call.answering();
      exchange.close();
    }
  }

  /**
   * Who is calling, as far as one can tell before handling, so faulted requests are counted per identity too.
   * The handlers do not set it again: each reads the same field (client_id, the token's appid, the Basic user),
   * so this is the one place that names the caller.
   */
  private String peekIdentity(HttpCall call, Endpoint endpoint) throws IOException {
    switch (endpoint) {
      case ENTRA_TOKEN:
        return "POST".equals(call.method()) ? call.form("client_id") : null;
      case MANAGED_IDENTITY:
        return managedIdentity.caller(call);
      case ACR_EXCHANGE:
        return "POST".equals(call.method())
            ? Jwt.parse(call.form("access_token")).map(j -> j.string("appid")).orElse(null) : null;
      case ARM:
        return ArmEndpoint.bearer(call).map(j -> j.string("appid")).orElse(null);
      case ACR_TOKEN:
        if ("POST".equals(call.method())) {
          return Jwt.parse(call.form("refresh_token")).map(j -> j.string("appid")).orElse(null);
        }
        return call.basic().map(b -> AcrTokenService.NULL_GUID.equals(b[0])
            ? Jwt.parse(b[1]).map(j -> j.string("appid")).orElse(b[0]) : b[0]).orElse(null);
      default:
        return null;
    }
  }

  private Endpoint route(HttpCall call) {
    String[] p = call.path().split("/");
    String path = call.path();
    if (path.equals("/oauth2/exchange")) {
      return Endpoint.ACR_EXCHANGE;
    }
    if (path.equals("/oauth2/token")) {
      return Endpoint.ACR_TOKEN;
    }
    if (path.startsWith("/subscriptions/")) {
      return Endpoint.ARM;
    }
    if (path.equals("/msi/token")) {
      return Endpoint.MANAGED_IDENTITY;
    }
    if (path.startsWith("/federation/")) {
      return Endpoint.FEDERATION_ISSUER;
    }
    if (p.length == 5 && path.endsWith("/oauth2/v2.0/token")) {
      return Endpoint.ENTRA_TOKEN;
    }
    if (p.length == 4 && path.endsWith("/discovery/instance")) {
      return Endpoint.INSTANCE_DISCOVERY;
    }
    if (p.length == 5 && (path.endsWith("/v2.0/.well-known/openid-configuration")
        || path.endsWith("/discovery/v2.0/keys"))) {
      return Endpoint.OPENID_CONFIGURATION;
    }
    return Endpoint.UNKNOWN;
  }

  private void dispatch(HttpCall call, Endpoint endpoint) throws IOException {
    String method = call.method();
    switch (endpoint) {
      case ENTRA_TOKEN -> entra.token(call, call.path().split("/")[1]);
      case INSTANCE_DISCOVERY -> entra.instanceDiscovery(call);
      case OPENID_CONFIGURATION -> entra.openIdConfiguration(call, call.path().split("/")[1]);
      case MANAGED_IDENTITY -> managedIdentity.token(call);
      case FEDERATION_ISSUER -> federationIssuer(call);
      case ACR_EXCHANGE -> {
        if ("POST".equals(method)) {
          acr.exchange(call);
        } else {
          call.send(405, "text/plain", new byte[0]);
        }
      }
      case ACR_TOKEN -> acr.token(call);
      case ARM -> arm.handle(call);
      case UNKNOWN -> call.json(404, Map.of("error", "not_found"));
    }
  }

  private void federationIssuer(HttpCall call) throws IOException {
    if (call.path().equals("/federation/.well-known/openid-configuration")) {
      call.json(200, Map.of("issuer", federationIssuer(), "jwks_uri", federationIssuer() + "/keys",
          "response_types_supported", List.of("id_token"), "subject_types_supported", List.of("public"),
          "id_token_signing_alg_values_supported", List.of("RS256")));
    } else if (call.path().equals("/federation/keys")) {
      call.json(200, jwks(federationKey));
    } else {
      call.json(404, Map.of("error", "not_found"));
    }
  }

  /** The answer to an injected 429 or 503, in the shape of the endpoint's family. */
  private void failure(HttpCall call, Endpoint endpoint, int status) throws IOException {
    switch (endpoint) {
      case ACR_EXCHANGE, ACR_TOKEN -> AcrTokenService.error(call, status,
          status == 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE",
          status == 429 ? "too many requests" : "service unavailable");
      case ARM -> ArmEndpoint.error(call, status, status == 429 ? "TooManyRequests" : "ServiceUnavailable",
          status == 429 ? "The request is being throttled." : "The service is temporarily unavailable.");
      case MANAGED_IDENTITY -> ManagedIdentityEndpoint.fail(call, status,
          status == 429 ? "Too many requests" : "Service unavailable");
      default -> entra.error(call, status, "temporarily_unavailable", 90033,
          "A transient error has occurred. Please try again.");
    }
  }

  /** Stops the server at once. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
