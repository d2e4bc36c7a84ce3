package dev.conveyor.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.BlobStore;
import java.time.Duration;
import java.time.Instant;

/**
 * A job as clients see it, in API responses and webhook payloads alike. Result objects gain a
 * short-lived download URL; bucket names stay internal.
 */
public final class JobPresenter {
  private final BlobStore blobs;
  private final Duration resultUrlTtl;

  public JobPresenter(BlobStore blobs, Duration resultUrlTtl) {
    this.blobs = blobs;
    this.resultUrlTtl = resultUrlTtl;
  }

  public ObjectNode present(Job job) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("id", job.id().toString());
    n.put("type", job.type().wireName());
    n.put("tier", job.tier().wireName());
    n.put("state", job.state().wireName());
    n.put("attempt", job.attempt());
    n.set("spec", job.spec());
    if (job.result() != null) {
      n.set("result", withUrls(job.result()));
    }
    job.failureIfAny()
        .ifPresent(f -> n.putObject("failure").put("code", f.code()).put("message", f.message()));
    n.put("createdAt", job.createdAt().toString());
    n.put("updatedAt", job.updatedAt().toString());
    putIfSet(n, "startedAt", job.startedAt());
    putIfSet(n, "finishedAt", job.finishedAt());
    return n;
  }

  private JsonNode withUrls(JsonNode result) {
    ObjectNode copy = result.deepCopy();
    if (copy.path("renditions") instanceof ArrayNode renditions) {
      for (JsonNode r : renditions) {
        ObjectNode rendition = (ObjectNode) r;
        String bucket = rendition.path("bucket").asText(null);
        String key = rendition.path("key").asText(null);
        rendition.remove("bucket");
        if (bucket != null && key != null) {
          rendition.put("url", blobs.presignGet(bucket, key, resultUrlTtl).toString());
        }
      }
    }
    return copy;
  }

  private static void putIfSet(ObjectNode n, String field, Instant value) {
    if (value != null) {
      n.put(field, value.toString());
    }
  }
}
