package dev.conveyor.transform.image;

import dev.conveyor.transform.image.vips.VipsImageEngine;
import dev.conveyor.transform.image.vips.VipsLibrary;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the image engine from {@code MEDIA_ENGINE}: {@code vips} (libvips through FFM; fails at
 * start when libvips cannot be loaded), {@code jdk} (ImageIO and Java2D), or {@code auto}, the
 * default: libvips when it loads, else the JDK engine, with the reason logged once.
 */
public final class ImageEngines {
  private static final Logger LOG = LoggerFactory.getLogger(ImageEngines.class);

  private ImageEngines() {}

  /**
   * @param mode {@code vips}, {@code jdk} or {@code auto}
   * @throws IllegalArgumentException for another mode
   * @throws IllegalStateException for {@code vips} when libvips cannot be loaded
   */
  public static ImageEngine create(String mode, ImageLimits limits) {
    return create(mode, limits, 0);
  }

  /**
   * As {@link #create(String, ImageLimits)}, with libvips' worker threads per operation bounded by
   * {@code vipsThreads} (0 leaves libvips' own choice: {@code VIPS_CONCURRENCY} from the process
   * environment, else the CPU count).
   */
  public static ImageEngine create(String mode, ImageLimits limits, int vipsThreads) {
    return switch (mode.toLowerCase(Locale.ROOT)) {
      case "jdk" -> new JdkImageEngine(limits);
      case "vips" -> vips(limits, vipsThreads);
      case "auto" -> {
        try {
          yield vips(limits, vipsThreads);
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
          LOG.warn("libvips is not available, images use the JDK engine: {}", e.getMessage());
          yield new JdkImageEngine(limits);
        }
      }
      default ->
          throw new IllegalArgumentException(
              "MEDIA_ENGINE must be vips, jdk or auto, not '" + mode + "'");
    };
  }

  private static VipsImageEngine vips(ImageLimits limits, int threads) {
    VipsImageEngine engine = new VipsImageEngine(limits);
    if (threads > 0) {
      VipsLibrary.load().concurrency(threads);
    }
    return engine;
  }
}
