package dev.conveyor.core.port;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import java.util.UUID;

/**
 * The body of every SQS message Conveyor sends: a pointer to a row, never the work itself, so
 * messages stay tiny and the database stays the source of truth.
 *
 * @param kind {@link #JOB} or {@link #DELIVERY}
 * @param id the job or delivery id
 */
public record QueueMessage(String kind, UUID id, TenantId tenantId, String correlationId) {
  public static final String JOB = "job";
  public static final String DELIVERY = "delivery";

  public static QueueMessage job(UUID jobId, TenantId tenant, String correlationId) {
    return new QueueMessage(JOB, jobId, tenant, correlationId);
  }

  public static QueueMessage delivery(UUID deliveryId, TenantId tenant, String correlationId) {
    return new QueueMessage(DELIVERY, deliveryId, tenant, correlationId);
  }

  public String toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("kind", kind).put("id", id.toString()).put("tenantId", tenantId.toString());
    if (correlationId != null) {
      n.put("correlationId", correlationId);
    }
    return Json.write(n);
  }

  /**
   * @throws IllegalArgumentException for a body that is not a Conveyor message (a poison message:
   *     no retry can fix it)
   */
  public static QueueMessage fromJson(String body) {
    try {
      JsonNode n = Json.parse(body);
      String kind = n.path("kind").asText("");
      if (!kind.equals(JOB) && !kind.equals(DELIVERY)) {
        throw new IllegalArgumentException("unknown message kind: " + kind);
      }
      return new QueueMessage(
          kind,
          UUID.fromString(n.path("id").asText()),
          TenantId.of(n.path("tenantId").asText()),
          n.hasNonNull("correlationId") ? n.get("correlationId").asText() : null);
    } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not a Conveyor queue message", e);
    }
  }
}
