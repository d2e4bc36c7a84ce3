package dev.conveyor.transform.image.vips;

/**
 * libvips cannot be used in this JVM: no library for this platform, a configured path that is not a
 * loadable file, a failed {@code dlopen} or {@code vips_init}, or a libvips too old for this
 * binding. The message says which and where it looked; callers fall back to the JDK engine.
 *
 * <p>An {@link IllegalStateException}: the JVM's environment, not the call, is at fault.
 */
public final class VipsUnavailableException extends IllegalStateException {
  VipsUnavailableException(String message) {
    super(message);
  }

  VipsUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
