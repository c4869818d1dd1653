package io.github.acrlogin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScopeTest {

  @Test
  void pushAsksForPullAndPushInStableOrder() {
    assertEquals("repository:samples/hello:pull,push", Scope.push("samples/hello").toString());
    assertEquals(Scope.repository("a", "push", "pull"), Scope.repository("a", "pull", "push"));
    assertEquals("repository:samples/hello:pull", Scope.pull("samples/hello").toString());
  }

  @Test
  void parseReadsWireFormatIncludingCatalogAndSeveralScopes() {
    assertEquals(Scope.push("a/b"), Scope.parse("repository:a/b:push,pull"));
    assertEquals("registry:catalog:*", Scope.parse("registry:catalog:*").toString());
    List<Scope> all = Scope.parseAll("repository:a:pull repository:b:pull,push", "registry:catalog:*");
    assertEquals(3, all.size());
  }

  @Test
  void coversComparesActionsOnTheSameRepository() {
    assertTrue(Scope.push("a").covers(Scope.pull("a")));
    assertFalse(Scope.pull("a").covers(Scope.push("a")));
    assertFalse(Scope.push("a").covers(Scope.pull("b")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Samples/Hello", "samples//hello", "-hello", "hello-", "hello..world", ""})
  void invalidRepositoryNamesShowAValidExample(String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scope.pull(name));
    assertTrue(e.getMessage().contains("e.g. samples/hello-world"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"hello", "samples/hello-world", "a/b/c", "my_app", "a__b", "v1.2", "team--x/app"})
  void validRepositoryNamesPass(String name) {
    assertEquals(name, Scope.pull(name).name());
  }

  @Test
  void malformedScopeNamesTheExpectedForm() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scope.parse("hello"));
    assertTrue(e.getMessage().contains("repository:<name>:<actions>"));
    assertThrows(IllegalArgumentException.class, () -> Scope.parse("repository:hello:pu$h"));
  }
}
