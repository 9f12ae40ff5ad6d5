package dev.spl;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import dev.spl.core.RecordStore;

/**
 * The rules that keep the architecture as docs/architecture.md describes it, over the main classes
 * of every module (spl-cli's tests see them all).
 */
@AnalyzeClasses(
    packages = "dev.spl",
    importOptions = {
      ImportOption.DoNotIncludeTests.class,
      ArchitectureTest.DoNotIncludeTestJars.class
    })
class ArchitectureTest {
  /**
   * The test jars the modules share (spl-core's, spl-daemon's) hold test code, not the product's:
   * when Maven packages them, {@link ImportOption.DoNotIncludeTests} does not see them as tests.
   */
  public static final class DoNotIncludeTestJars implements ImportOption {
    @Override
    public boolean includes(com.tngtech.archunit.core.importer.Location location) {
      return !location.contains("-tests.jar");
    }
  }

  /** spl-core's folds: records in, state and decisions out; I/O and time come from the caller. */
  private static final String[] FOLDS = {
    "dev.spl.core.fanout..",
    "dev.spl.core.fleet..",
    "dev.spl.core.control..",
    "dev.spl.core.worker.."
  };

  @ArchTest
  static final ArchRule foldsUseNoStore =
      noClasses()
          .that()
          .resideInAnyPackage(FOLDS)
          .should()
          .dependOnClassesThat(
              resideInAPackage("dev.spl.core.store..")
                  .or(JavaClass.Predicates.assignableTo(RecordStore.class))
                  .or(
                      nameMatching(
                          "dev\\.spl\\.core\\.(StoreException|AppendResult|RecordQuery"
                              + "|PendingDelivery)")))
          .because("a fold is given the records; the store is the caller's");

  @ArchTest
  static final ArchRule foldsUseNoFiles =
      noClasses()
          .that()
          .resideInAnyPackage(FOLDS)
          .should()
          .dependOnClassesThat(
              resideInAPackage("java.nio.file..")
                  .or(nameMatching("java\\.io\\.(File.*|RandomAccessFile)")))
          .because("a fold does no I/O");

  @ArchTest
  static final ArchRule foldsStartNoThreads =
      noClasses()
          .that()
          .resideInAnyPackage(FOLDS)
          .should()
          .dependOnClassesThat(
              nameMatching("java\\.lang\\.Thread.*")
                  .or(nameMatching("java\\.util\\.concurrent\\.(.*Executor.*|ForkJoin.*)")))
          .because("a fold decides; who runs the decisions, and when, is the caller's");

  @ArchTest
  static final ArchRule foldsReadNoClock =
      noClasses()
          .that()
          .resideInAnyPackage(FOLDS)
          .should()
          .dependOnClassesThat()
          .areAssignableTo(java.time.Clock.class)
          .orShould()
          .callMethodWhere(readsTheClock())
          .orShould()
          .callConstructor(java.util.Date.class)
          .because("time is injected: a fold is given now, so replay and tests control it");

  @ArchTest
  static final ArchRule modulesDependOneWay =
      layeredArchitecture()
          .consideringOnlyDependenciesInLayers()
          .layer("spl-cli")
          .definedBy("dev.spl.cli..")
          .layer("spl-daemon")
          .definedBy("dev.spl.daemon..")
          .layer("spl-cel")
          .definedBy("dev.spl.cel..")
          .layer("spl-core")
          .definedBy("dev.spl.core..")
          .whereLayer("spl-cli")
          .mayNotBeAccessedByAnyLayer()
          .whereLayer("spl-daemon")
          .mayOnlyBeAccessedByLayers("spl-cli")
          .whereLayer("spl-cel")
          .mayOnlyBeAccessedByLayers("spl-daemon", "spl-cli");

  @ArchTest
  static final ArchRule onlyTheCliHostTouchesTheDaemon =
      noClasses()
          .that()
          .resideInAPackage("dev.spl.cli..")
          .and()
          .resideOutsideOfPackage("dev.spl.cli.host..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.spl.daemon..")
          .because(
              "client commands run without the daemon's jars; dev.spl.cli.host is the one package"
                  + " that runs daemons in the CLI's process");

  @ArchTest
  static final ArchRule corePackagesHaveNoCycles =
      slices().assignedFrom(packagesOf("dev.spl.core")).should().beFreeOfCycles();

  /**
   * The CLI's area packages among themselves. The entry package {@code dev.spl.cli} is left out:
   * its top command lists every command and every command gets its context, by design.
   */
  @ArchTest
  static final ArchRule cliAreasHaveNoCycles =
      slices().matching("dev.spl.cli.(*)..").should().beFreeOfCycles();

  /**
   * spl-daemon's packages, the composition root {@code dev.spl.daemon} included: the components get
   * what they share (context, config, record service) from packages of their own.
   */
  @ArchTest
  static final ArchRule daemonPackagesHaveNoCycles =
      slices().assignedFrom(packagesOf("dev.spl.daemon")).should().beFreeOfCycles();

  /**
   * The daemon decides and records time by the clock it was started with, so tests move it by hand.
   * Waiting on real time ({@code System.nanoTime}, timed polls) is allowed; only the composition
   * root names the system clock, for a daemon started without one.
   */
  @ArchTest
  static final ArchRule daemonReadsTheWallClockOnlyThroughItsClock =
      noClasses()
          .that()
          .resideInAPackage("dev.spl.daemon..")
          .should()
          .callMethodWhere(readsTheWallClock())
          .orShould()
          .callConstructor(java.util.Date.class)
          .because("a daemon's components read time from the clock in their DaemonContext");

  @ArchTest
  static final ArchRule onlyTheDaemonsCompositionRootPicksTheSystemClock =
      noClasses()
          .that()
          .resideInAPackage("dev.spl.daemon..")
          .and()
          .doNotHaveFullyQualifiedName("dev.spl.daemon.Daemon")
          .should()
          .callMethodWhere(picksTheSystemClock())
          .because("Daemon.start(config) is where a daemon started without a clock gets one");

  private static DescribedPredicate<JavaMethodCall> readsTheWallClock() {
    return describe(
        "read the wall clock (java.time now() or System.currentTimeMillis)",
        call -> {
          String owner = call.getTargetOwner().getName();
          String name = call.getName();
          return owner.startsWith("java.time.") && name.equals("now")
              || owner.equals("java.lang.System") && name.equals("currentTimeMillis");
        });
  }

  private static DescribedPredicate<JavaMethodCall> picksTheSystemClock() {
    return describe(
        "pick the system clock (Clock.systemUTC, systemDefaultZone or system)",
        call ->
            call.getTargetOwner().getName().equals("java.time.Clock")
                && call.getName().startsWith("system"));
  }

  private static DescribedPredicate<JavaMethodCall> readsTheClock() {
    return describe(
        "read the clock (java.time now(), System.currentTimeMillis or System.nanoTime)",
        call -> {
          String owner = call.getTargetOwner().getName();
          String name = call.getName();
          return owner.startsWith("java.time.") && name.equals("now")
              || owner.equals("java.lang.System")
                  && (name.equals("currentTimeMillis") || name.equals("nanoTime"));
        });
  }

  /** One slice per package directly under {@code root}, and one for {@code root} itself. */
  private static SliceAssignment packagesOf(String root) {
    return new SliceAssignment() {
      @Override
      public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
        String name = javaClass.getPackageName();
        if (name.equals(root)) {
          return SliceIdentifier.of(root);
        }
        if (!name.startsWith(root + ".")) {
          return SliceIdentifier.ignore();
        }
        String below = name.substring(root.length() + 1);
        int dot = below.indexOf('.');
        return SliceIdentifier.of(root + "." + (dot < 0 ? below : below.substring(0, dot)));
      }

      @Override
      public String getDescription() {
        return "the packages of " + root;
      }
    };
  }
}
