package dev.spl.cli;

/** Entry point of the {@code spl} executable. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(Spl.run(System.out, System.err, System.getenv(), args));
  }
}
