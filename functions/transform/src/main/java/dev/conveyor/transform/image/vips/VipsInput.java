package dev.conveyor.transform.image.vips;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Encoded image bytes (a JPEG, PNG, ...) copied into native memory, for libvips to decode from.
 *
 * <p>libvips does not copy its input and decodes lazily, typically inside the final save call, so
 * these bytes must stay put until the last image made from them is gone. A {@code VipsInput} is
 * therefore reference-counted: the creator holds one reference, released by {@link #close()}, and
 * every {@link VipsImage} derived from it (loaded, then resized, cropped, ...) holds another until
 * it is closed. The native memory is freed when the last reference goes, whatever the order of the
 * closes. One input can feed several images, e.g. a header-only open and then a shrink-on-load
 * decode, without copying the bytes twice.
 *
 * <p>Thread-safe: references may be taken and released from any thread.
 */
public final class VipsInput implements AutoCloseable {
  private final Arena arena;
  private final MemorySegment bytes;
  private final AtomicInteger references = new AtomicInteger(1);
  private final AtomicBoolean closed = new AtomicBoolean();

  private VipsInput(Arena arena, MemorySegment bytes) {
    this.arena = arena;
    this.bytes = bytes;
  }

  /** Copies {@code encoded} into native memory; the array may be reused afterwards. */
  public static VipsInput copyOf(byte[] encoded) {
    if (encoded.length == 0) {
      throw new IllegalArgumentException("no image bytes");
    }
    // Shared: the last image to close it may be on another thread than the one that made it.
    Arena arena = Arena.ofShared();
    MemorySegment bytes = arena.allocate(encoded.length);
    MemorySegment.copy(encoded, 0, bytes, JAVA_BYTE, 0, encoded.length);
    return new VipsInput(arena, bytes);
  }

  /** Number of encoded bytes. */
  public long size() {
    return bytes.byteSize();
  }

  /** Releases the creator's reference; images still open keep the bytes alive. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      release();
    }
  }

  /** The bytes, for a new image: fails once the creator has closed this input. */
  MemorySegment segmentForNewImage() {
    if (closed.get()) {
      throw new IllegalStateException("VipsInput is closed");
    }
    return bytes;
  }

  /** Takes a reference for a new image. */
  void retain() {
    int previous = references.getAndUpdate(n -> n == 0 ? 0 : n + 1);
    if (previous == 0) {
      throw new IllegalStateException("VipsInput is already freed");
    }
  }

  /** Drops a reference; the last one frees the native bytes. */
  void release() {
    if (references.decrementAndGet() == 0) {
      arena.close();
    }
  }

  /** Whether the native bytes have been freed (for tests). */
  boolean isFreed() {
    return references.get() == 0;
  }
}
