package dev.conveyor.core.webhook;

import java.time.Instant;
import java.util.UUID;

/**
 * One attempt, as the delivery log records it.
 *
 * @param status the HTTP status, or null when no response arrived
 * @param responseBody the start of the response body, truncated
 * @param errorClass why no usable response arrived (e.g. {@code timeout}), or null
 */
public record DeliveryAttempt(
    UUID deliveryId,
    int attempt,
    Instant at,
    Integer status,
    long latencyMillis,
    String responseBody,
    String errorClass) {}
