package dev.conveyor.core.port;

/**
 * An event to deliver to subscribed endpoints.
 *
 * @param type e.g. {@code job.succeeded}
 * @param payload the exact JSON bytes every endpoint receives (signatures cover these bytes)
 */
public record WebhookEvent(String type, String payload) {}
