package io.github.acrlogin.it;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts every request the emulator receives, by endpoint and by identity (client id, user name, or
 * the path for unknown endpoints), including requests answered by an injected fault. Thread-safe.
 */
public final class Counters {
  private final Map<Endpoint, Map<String, LongAdder>> counts = new ConcurrentHashMap<>();

  void record(Endpoint endpoint, String identity) {
    counts.computeIfAbsent(endpoint, e -> new ConcurrentHashMap<>())
        .computeIfAbsent(identity, i -> new LongAdder()).increment();
  }

  /** Requests to {@code endpoint} by anyone. */
  public long count(Endpoint endpoint) {
    return counts.getOrDefault(endpoint, Map.of()).values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Requests to {@code endpoint} made by {@code identity} (client id or user name). */
  public long count(Endpoint endpoint, String identity) {
    LongAdder a = counts.getOrDefault(endpoint, Map.of()).get(identity);
    return a == null ? 0 : a.sum();
  }

  /** Requests by anyone to any endpoint. */
  public long total() {
    long sum = 0;
    for (Endpoint e : Endpoint.values()) {
      sum += count(e);
    }
    return sum;
  }

  /** A sorted copy: endpoint, then identity, then count. */
  public Map<Endpoint, Map<String, Long>> snapshot() {
    Map<Endpoint, Map<String, Long>> out = new TreeMap<>();
    counts.forEach((e, byId) -> {
      Map<String, Long> m = new TreeMap<>();
      byId.forEach((id, n) -> m.put(id, n.sum()));
      out.put(e, m);
    });
    return out;
  }

  /** Forgets everything counted so far. */
  public void reset() {
    counts.clear();
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }
}
