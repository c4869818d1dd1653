package io.github.acrlogin.maven;

import java.lang.management.ManagementFactory;
import org.apache.maven.plugin.logging.Log;

/**
 * Where a goal's time goes, for benchmarks and slow-build reports: each mark is logged with the milliseconds since
 * the JVM started and since the goal started, at debug level, or at info level with {@code -Dacr.timing=true}.
 * Numbers only; nothing about the identity or its tokens.
 */
final class Timing {

  private final Log log;
  private final boolean info;
  private final long start = System.nanoTime();

  Timing(Log log, boolean info) {
    this.log = log;
    this.info = info;
  }

  void mark(String what) {
    if (!info && !log.isDebugEnabled()) {
      return;
    }
    long sinceStart = (System.nanoTime() - start) / 1_000_000;
    long jvm = ManagementFactory.getRuntimeMXBean().getUptime();
    String line = "[timing] " + what + ": +" + sinceStart + " ms in the goal, " + jvm + " ms since JVM start";
    if (info) {
      log.info(line);
    } else {
      log.debug(line);
    }
  }
}
