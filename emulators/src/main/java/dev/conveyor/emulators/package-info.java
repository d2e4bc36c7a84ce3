/**
 * AWS services and PostgreSQL inside one JVM, bound to loopback, without Docker.
 *
 * <p>Integration tests and the embedded local stack run the production code paths (the real AWS SDK
 * v2 clients with {@code endpointOverride}, the real JDBC driver) against these instead of a cloud
 * account. Start what a test needs ({@link dev.conveyor.emulators.EmbeddedSqs} alone, say) or
 * everything at once with {@link dev.conveyor.emulators.EmbeddedServices}. Test and local use only:
 * nothing here belongs in a Lambda artifact.
 */
package dev.conveyor.emulators;
