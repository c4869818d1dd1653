package io.github.acrlogin.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs skopeo, the independent client, isolated from the user's own auth files and policy. Part of the test
 * bed's main sources so that other modules' tests (the Jenkins plugin's) can use it too.
 */
public final class Skopeo {
  private final Path home;
  private final Path policy;

  public Skopeo(Path workDir) throws IOException {
    this.home = Files.createDirectories(workDir.resolve("skopeo-home"));
    this.policy = home.resolve("policy.json");
    Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
  }

  /** Exit code and combined output. */
  public record Result(int exit, String output) {}

  /** Runs {@code skopeo --policy <ours> args...}; the output may hold credentials: never print it whole. */
  public Result run(String... args) throws IOException, InterruptedException {
    return run(Map.of(), args);
  }

  /** As {@link #run(String...)}, with extra environment variables (e.g. a PATH holding a credential helper). */
  public Result run(Map<String, String> extraEnvironment, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("skopeo", "--policy", policy.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("HOME", home.toString());
    env.put("REGISTRY_AUTH_FILE", home.resolve("auth.json").toString());
    env.put("XDG_RUNTIME_DIR", home.toString());
    env.putAll(extraEnvironment);
    // The output may hold credentials: it lives on disk only until read.
    Path out = home.resolve("out-" + System.nanoTime() + ".txt");
    try {
      Process p = pb.redirectOutput(out.toFile()).start();
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        throw new IOException("skopeo did not finish in 90 s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
