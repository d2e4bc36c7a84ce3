package dev.conveyor.core.submit;

/**
 * One reason a request was rejected, located by a JSON Pointer (RFC 6901) into the request body.
 */
public record FieldError(String pointer, String detail) {}
