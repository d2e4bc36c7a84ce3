package dev.conveyor.core.image;

import java.util.OptionalInt;

/**
 * One output of an image job. Width and/or height bound the result; with only one given the other
 * follows the aspect ratio. Images are never enlarged.
 */
public record Rendition(
    String name, OptionalInt width, OptionalInt height, ImageFormat format, int quality) {}
