package io.github.acrlogin.it;

/** The sample application that {@link Demo} packages into a jar and pushes as an image. */
public final class DemoApp {
  private DemoApp() {}

  public static void main(String[] args) {
    System.out.println("Hello from an image pushed to Azure Container Registry with acr-login");
  }
}
