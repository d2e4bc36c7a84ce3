package dev.conveyor.core.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Where {@link Fit#COVER} keeps the image when it crops, and where {@link Fit#CONTAIN} places it
 * when it pads: a compass point, the centre, or (cover only) {@link #ATTENTION}, the region an
 * engine finds most interesting (libvips: luminance, saturation and skin tones).
 */
public enum Position {
  CENTRE(0.5, 0.5),
  NORTH(0.5, 0),
  NORTHEAST(1, 0),
  EAST(1, 0.5),
  SOUTHEAST(1, 1),
  SOUTH(0.5, 1),
  SOUTHWEST(0, 1),
  WEST(0, 0.5),
  NORTHWEST(0, 0),
  ATTENTION(0.5, 0.5);

  private final double x;
  private final double y;

  Position(double x, double y) {
    this.x = x;
    this.y = y;
  }

  /**
   * The offset of a {@code inner}-long span inside an {@code outer}-long one along x, placed by
   * this position (ATTENTION places like CENTRE where an engine has no saliency detection).
   */
  public int offsetX(int outer, int inner) {
    return (int) Math.floor((outer - inner) * x);
  }

  /** As {@link #offsetX}, along y. */
  public int offsetY(int outer, int inner) {
    return (int) Math.floor((outer - inner) * y);
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Accepts the wire names, and {@code center} for {@code centre}. */
  public static Optional<Position> fromWireName(String name) {
    String normalised = "center".equals(name) ? "centre" : name;
    return Arrays.stream(values()).filter(p -> p.wireName().equals(normalised)).findFirst();
  }

  public static String wireNames() {
    return String.join(", ", Arrays.stream(values()).map(Position::wireName).toList());
  }
}
