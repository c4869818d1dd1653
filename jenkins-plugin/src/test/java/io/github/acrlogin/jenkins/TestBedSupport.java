package io.github.acrlogin.jenkins;

import com.cloudbees.plugins.credentials.Credentials;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import hudson.EnvVars;
import io.github.acrlogin.auth.HttpSettings;
import io.github.acrlogin.it.AcrTestBed;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * One ACR test bed per test JVM, wired into the plugin: this JVM and agent JVMs trust its CA, Entra and the
 * managed-identity endpoint point at its emulator.
 */
final class TestBedSupport {

  private static AcrTestBed bed;

  private TestBedSupport() {}

  static synchronized AcrTestBed bed() {
    if (bed == null) {
      bed = AcrTestBed.start();
      // Tools in this JVM that use the default trust store (the durable-task controller side does not need it,
      // but a built-in-node login through FilePath.act runs here).
      System.setProperty("javax.net.ssl.trustStore", bed.trustStore().toString());
      System.setProperty("javax.net.ssl.trustStorePassword", bed.trustStorePassword());
      System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
      Authenticators.overrideForTests(HttpSettings.builder().sslContext(bed.sslContext()).build(), Map.of(
          "AZURE_AUTHORITY_HOST", bed.authorityHost(),
          "IDENTITY_ENDPOINT", bed.identityEndpoint(),
          "IDENTITY_HEADER", bed.identityHeader()));
      AcrTestBed started = bed;
      Runtime.getRuntime().addShutdownHook(new Thread(started::close));
    }
    return bed;
  }

  /** The environment of an agent JVM that lives on an emulated Azure machine and trusts the test CA. */
  static EnvVars agentEnvironment() {
    AcrTestBed b = bed();
    EnvVars env = new EnvVars();
    env.put("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=" + b.trustStore()
        + " -Djavax.net.ssl.trustStorePassword=" + b.trustStorePassword() + " -Djavax.net.ssl.trustStoreType=PKCS12");
    env.put("AZURE_AUTHORITY_HOST", b.authorityHost());
    env.put("IDENTITY_ENDPOINT", b.identityEndpoint());
    env.put("IDENTITY_HEADER", b.identityHeader());
    return env;
  }

  static <C extends Credentials> C addGlobal(C credentials) throws IOException {
    SystemCredentialsProvider.getInstance().getCredentials().add(credentials);
    SystemCredentialsProvider.getInstance().save();
    return credentials;
  }

  /** A one-layer image in skopeo's {@code dir:} layout, to push with {@code skopeo copy dir:... docker://...}. */
  static Path tinyImage(Path dir) throws IOException {
    Files.createDirectories(dir);
    byte[] content = "hello from jenkins\n".getBytes(StandardCharsets.UTF_8);
    byte[] header = new byte[512];
    put(header, 0, "hello.txt");
    put(header, 100, "0000644");
    put(header, 108, "0000000");
    put(header, 116, "0000000");
    put(header, 124, String.format("%011o", content.length));
    put(header, 136, String.format("%011o", 0));
    java.util.Arrays.fill(header, 148, 156, (byte) ' ');
    header[156] = '0';
    put(header, 257, "ustar");
    put(header, 263, "00");
    int sum = 0;
    for (byte x : header) {
      sum += x & 0xff;
    }
    put(header, 148, String.format("%06o", sum));
    header[154] = 0;
    byte[] tar = new byte[512 + 512 + 1024];
    System.arraycopy(header, 0, tar, 0, 512);
    System.arraycopy(content, 0, tar, 512, content.length);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    byte[] layer = gz.toByteArray();
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
        + "\"diff_ids\":[\"sha256:" + sha256(tar) + "\"]}}").getBytes(StandardCharsets.UTF_8);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
        + sha256(config) + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:" + sha256(layer) + "\",\"size\":"
        + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
    Files.write(dir.resolve(sha256(layer)), layer);
    Files.write(dir.resolve(sha256(config)), config);
    Files.write(dir.resolve("manifest.json"), manifest);
    Files.writeString(dir.resolve("version"), "Directory Transport Version: 1.1\n");
    return dir;
  }

  private static void put(byte[] buf, int offset, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, buf, offset, bytes.length);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
