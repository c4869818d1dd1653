package io.github.acrlogin.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * A one-layer OCI image written in skopeo's {@code dir:} layout, built from scratch for the tests: push it with
 * {@code skopeo copy --preserve-digests dir:<dir> docker://...} and compare what the registry reports with
 * {@link #manifestDigest()}. Part of the test bed's main sources so that other modules' tests (the Jenkins
 * plugin's) can use it too.
 *
 * @param dir the directory holding the image
 * @param manifestDigest {@code sha256:<hex>} of the manifest as written
 */
public record TinyImage(Path dir, String manifestDigest) {

  /** Writes an image whose only layer holds {@code hello.txt} with {@code content}; creates {@code dir}. */
  public static TinyImage write(Path dir, String content) throws IOException {
    Files.createDirectories(dir);
    byte[] tar = tar("hello.txt", content.getBytes(StandardCharsets.UTF_8));
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
    return new TinyImage(dir, "sha256:" + sha256(manifest));
  }

  /** A ustar archive holding one regular file. */
  private static byte[] tar(String name, byte[] data) {
    byte[] header = new byte[512];
    put(header, 0, name);
    put(header, 100, "0000644");
    put(header, 108, "0000000");
    put(header, 116, "0000000");
    put(header, 124, String.format("%011o", data.length));
    put(header, 136, String.format("%011o", 0));
    java.util.Arrays.fill(header, 148, 156, (byte) ' ');
    header[156] = '0';
    put(header, 257, "ustar");
    put(header, 263, "00");
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o", sum));
    header[154] = 0;
    int padded = (data.length + 511) / 512 * 512;
    byte[] out = new byte[512 + padded + 1024];
    System.arraycopy(header, 0, out, 0, 512);
    System.arraycopy(data, 0, out, 512, data.length);
    return out;
  }

  private static void put(byte[] buf, int offset, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, buf, offset, bytes.length);
  }

  /** Lowercase hex SHA-256 of {@code bytes}. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
