package dev.spl.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.eclipse.jetty.util.MemoryUtils;
import org.junit.jupiter.api.Test;

class JettyCacheLinesTest {
  @Test
  void theReferenceSizeIsTheOneJmxReports() {
    boolean compressed =
        Boolean.parseBoolean(
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("UseCompressedOops")
                .getValue());

    assertThat(JettyCacheLines.referenceBytes()).isEqualTo(compressed ? 4 : 8);
  }

  @Test
  void jettyUsesTheValueSetBeforeItsClassesLoad() {
    JettyCacheLines.configure();

    assertThat(System.getProperty(JettyCacheLines.REFERENCES_PER_CACHE_LINE))
        .isEqualTo(Integer.toString(64 / JettyCacheLines.referenceBytes()));
    assertThat(MemoryUtils.getReferencesPerCacheLine())
        .isEqualTo(64 / JettyCacheLines.referenceBytes());
  }
}
