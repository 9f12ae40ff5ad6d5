import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Copies a jar, rewriting its pre-Java-6 class files (major version below 50) as Java 8 class files
 * with stack map frames. The JVM's class-data-sharing archive refuses pre-Java-6 classes, so a
 * library shipped that way (picocli) is otherwise read from its jar on every start. After writing,
 * every class of the copy is loaded and initialised in a fresh class loader, so a class the rewrite
 * broke fails here (exit 1) and the launcher keeps the original jar.
 *
 * <p>Run by scripts/spl after a build: {@code java -cp asm.jar UpgradeClassFiles.java IN OUT}.
 */
public final class UpgradeClassFiles {
  private static final int JAVA_6 = 50;

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: UpgradeClassFiles IN.jar OUT.jar (found " + args.length + " arguments)");
      System.exit(2);
    }
    Path in = Path.of(args[0]);
    Path out = Path.of(args[1]);
    int upgraded = 0;
    List<String> classes = new ArrayList<>();
    try (URLClassLoader original = new URLClassLoader(new URL[] {in.toUri().toURL()}, null);
        ZipInputStream zin = new ZipInputStream(Files.newInputStream(in));
        OutputStream file = Files.newOutputStream(out);
        ZipOutputStream zout = new ZipOutputStream(file)) {
      for (ZipEntry entry; (entry = zin.getNextEntry()) != null; ) {
        byte[] bytes = zin.readAllBytes();
        String name = entry.getName();
        if (name.endsWith(".class") && !name.startsWith("META-INF/") && !name.endsWith("module-info.class")) {
          classes.add(name.substring(0, name.length() - ".class".length()).replace('/', '.'));
          if (majorVersion(bytes, name) < JAVA_6) {
            bytes = upgrade(bytes, original);
            upgraded++;
          }
        }
        ZipEntry copy = new ZipEntry(name);
        copy.setTime(entry.getTime());
        zout.putNextEntry(copy);
        zout.write(bytes);
        zout.closeEntry();
      }
    }
    try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, null)) {
      for (String name : classes) {
        Class.forName(name, true, loader);
      }
    }
    System.err.println(
        "upgraded " + upgraded + " of " + classes.size() + " class files of " + in.getFileName() + " to Java 8");
  }

  private static int majorVersion(byte[] bytes, String name) throws IOException {
    if (bytes.length < 8 || (bytes[0] & 0xff) != 0xca || (bytes[1] & 0xff) != 0xfe) {
      throw new IOException(name + ": expected a class file (0xCAFEBABE) but found other bytes");
    }
    return ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
  }

  private static byte[] upgrade(byte[] bytes, ClassLoader hierarchy) {
    ClassWriter writer =
        new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
          // Frames need common super classes; they are the jar's own classes or the JDK's.
          @Override
          protected ClassLoader getClassLoader() {
            return hierarchy;
          }
        };
    ClassVisitor toJava8 =
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public void visit(
              int version, int access, String name, String signature, String superName, String[] interfaces) {
            super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
          }
        };
    new ClassReader(bytes).accept(toJava8, ClassReader.SKIP_FRAMES);
    return writer.toByteArray();
  }
}
