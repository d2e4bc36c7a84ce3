package dev.conveyor.transform.image.vips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.conveyor.transform.image.vips.VipsLibrary.Candidate;
import dev.conveyor.transform.image.vips.VipsLibrary.Source;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VipsLibraryTest {
  private static final String BUNDLED_RESOURCE =
      VipsLibrary.RESOURCE_FOLDER + "linux-x64/" + VipsLibrary.LIBRARY_FILE;

  @TempDir Path temp;

  @Test
  void loadsTheBundledLibraryFromTheClasspathOnce() {
    assumeTrue(
        System.getProperty(VipsLibrary.PATH_PROPERTY) == null
            && System.getenv(VipsLibrary.PATH_ENVIRONMENT_VARIABLE) == null
            && !Files.exists(VipsLibrary.LAMBDA_LAYER_PATH),
        "a libvips override is configured on this machine");

    VipsLibrary library = VipsLibrary.load();

    assertThat(library.version()).isEqualTo("8.18.7");
    assertThat(library.source()).isIn(Source.CLASSPATH_FILE, Source.CLASSPATH_EXTRACTED);
    assertThat(library.path().getFileName()).hasToString(VipsLibrary.LIBRARY_FILE);
    if (library.source() == Source.CLASSPATH_EXTRACTED) {
      assertThat(library.path()).doesNotExist(); // deleted once loaded
    }
    assertThat(VipsLibrary.load()).isSameAs(library);
  }

  @Test
  void linksEveryDowncallTheBindingDeclares() {
    VipsLibrary library = VipsLibrary.load();

    library.linkAllDowncalls(); // fails if a symbol is missing or a descriptor cannot be linked

    assertThat(library.linkAllDowncalls()).isLessThan(Duration.ofMillis(100));
  }

  @Test
  void threadShutdownFreesAPoolThreadsBuffers() throws Exception {
    VipsLibrary library = VipsLibrary.load();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> width =
          pool.submit(() -> {
            try (VipsInput input =
                    VipsInput.copyOf(dev.conveyor.core.testing.TestImages.png(8, 4));
                VipsImage image =
                    VipsImage.newFromBuffer(
                        input, VipsImage.Access.RANDOM, VipsImage.FailOn.ERROR)) {
              image.pngsaveBuffer(6, false);
              return image.width();
            } finally {
              library.threadShutdown();
            }
          });
      assertThat(width.get()).isEqualTo(8);
    } finally {
      pool.shutdown();
    }
  }

  // ---- locating (no second dlopen: these only find and extract files) ----

  @Test
  void extractsTheResourceFromAJarIntoAPrivateDirectory() throws Exception {
    byte[] library = bundledLibraryBytes();
    Path jar = temp.resolve("conveyor-libvips.jar");
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file)) {
      out.putNextEntry(new JarEntry(BUNDLED_RESOURCE));
      out.write(library);
      out.closeEntry();
    }

    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      Candidate candidate =
          VipsLibrary.locate(null, null, temp.resolve("no-layer"), "linux-x64", loader);
      try {
        assertThat(candidate.source()).isEqualTo(Source.CLASSPATH_EXTRACTED);
        assertThat(candidate.extracted()).isTrue();
        assertThat(candidate.path().getFileName()).hasToString(VipsLibrary.LIBRARY_FILE);
        assertThat(Files.readAllBytes(candidate.path())).isEqualTo(library);
        assertThat(Files.getPosixFilePermissions(candidate.path().getParent()))
            .isEqualTo(PosixFilePermissions.fromString("rwx------"));
        VipsLibrary.checkArchitecture(candidate, "amd64"); // a loadable x86-64 ELF
      } finally {
        Files.deleteIfExists(candidate.path());
        Files.deleteIfExists(candidate.path().getParent());
      }
    }
  }

  @Test
  void loadsAClasspathDirectoryFileInPlace() throws Exception {
    Path classes = temp.resolve("classes");
    Path file = classes.resolve(BUNDLED_RESOURCE);
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[] {1});

    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, null)) {
      Candidate candidate =
          VipsLibrary.locate(null, null, temp.resolve("no-layer"), "linux-x64", loader);

      assertThat(candidate.source()).isEqualTo(Source.CLASSPATH_FILE);
      assertThat(candidate.path()).isEqualTo(file);
      assertThat(candidate.extracted()).isFalse();
    }
  }

  @Test
  void prefersTheSystemPropertyThenTheEnvironmentThenTheLambdaLayer() throws IOException {
    Path fromProperty = Files.writeString(temp.resolve("a.so"), "a");
    Path fromEnvironment = Files.writeString(temp.resolve("b.so"), "b");
    Path layer = Files.writeString(temp.resolve("c.so"), "c");
    ClassLoader loader = getClass().getClassLoader();

    assertThat(
            VipsLibrary.locate(
                fromProperty.toString(), fromEnvironment.toString(), layer, "linux-x64", loader))
        .extracting(Candidate::source, Candidate::path)
        .containsExactly(Source.SYSTEM_PROPERTY, fromProperty);
    assertThat(VipsLibrary.locate(null, fromEnvironment.toString(), layer, "linux-x64", loader))
        .extracting(Candidate::source, Candidate::path)
        .containsExactly(Source.ENVIRONMENT_VARIABLE, fromEnvironment);
    assertThat(VipsLibrary.locate(" ", "", layer, "linux-x64", loader))
        .extracting(Candidate::source, Candidate::path)
        .containsExactly(Source.LAMBDA_LAYER, layer);
  }

  @Test
  void anExplicitPathThatIsNotAFileIsReportedNotSkipped() {
    String missing = temp.resolve("missing.so").toString();

    assertThatThrownBy(
            () -> VipsLibrary.locate(missing, null, temp, "linux-x64", getClass().getClassLoader()))
        .isInstanceOf(VipsUnavailableException.class)
        .hasMessageContaining(VipsLibrary.PATH_PROPERTY)
        .hasMessageContaining(missing);
    assertThatThrownBy(
            () -> VipsLibrary.locate(null, missing, temp, "linux-x64", getClass().getClassLoader()))
        .isInstanceOf(VipsUnavailableException.class)
        .hasMessageContaining(VipsLibrary.PATH_ENVIRONMENT_VARIABLE);
  }

  @Test
  void aPlatformWithoutABundledLibraryIsReportedWithWhereItLooked() {
    assertThatThrownBy(() ->
            VipsLibrary.locate(
                null,
                null,
                temp.resolve("no-layer"),
                "mac_os_x-arm64",
                getClass().getClassLoader()))
        .isInstanceOf(VipsUnavailableException.class)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no libvips for platform mac_os_x-arm64")
        .hasMessageContaining("dev/conveyor/libvips/mac_os_x-arm64/")
        .hasMessageContaining(VipsLibrary.PATH_PROPERTY);
  }

  @Test
  void namesPlatformsAsTheJarFoldersDo() {
    assertThat(VipsLibrary.platform("Linux", "amd64")).isEqualTo("linux-x64");
    assertThat(VipsLibrary.platform("Linux", "x86_64")).isEqualTo("linux-x64");
    assertThat(VipsLibrary.platform("Linux", "aarch64")).isEqualTo("linux-arm64");
    assertThat(VipsLibrary.platform("Mac OS X", "aarch64")).isEqualTo("mac_os_x-arm64");
  }

  @Test
  void rejectsALibraryBuiltForAnotherCpuOrNotALibraryAtAll() throws IOException {
    Path x64 = temp.resolve("x64.so");
    Files.write(x64, bundledLibraryBytes());
    Candidate candidate = new Candidate(Source.SYSTEM_PROPERTY, x64, "test", false);

    assertThatThrownBy(() -> VipsLibrary.checkArchitecture(candidate, "aarch64"))
        .isInstanceOf(VipsUnavailableException.class)
        .hasMessageContaining("built for x86-64, but this JVM runs on aarch64");

    Path text = Files.writeString(temp.resolve("text.so"), "not a library at all");
    assertThatThrownBy(() ->
            VipsLibrary.checkArchitecture(
                new Candidate(Source.SYSTEM_PROPERTY, text, "test", false), "amd64"))
        .isInstanceOf(VipsUnavailableException.class)
        .hasMessageContaining("not an ELF shared library");
  }

  private static byte[] bundledLibraryBytes() throws IOException {
    try (InputStream in =
        VipsLibraryTest.class.getClassLoader().getResourceAsStream(BUNDLED_RESOURCE)) {
      assertThat(in).as("conveyor-libvips on the test classpath").isNotNull();
      return in.readAllBytes();
    }
  }
}
