package dev.conveyor.submit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.json.Json;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads S3 event notifications as S3 puts them on SQS. Keys arrive URL-encoded ({@code +} for
 * space); the one-off {@code s3:TestEvent} S3 sends when a notification is configured has no
 * records.
 */
final class S3Notifications {
  record ObjectCreated(String bucket, String key, long size, Instant eventTime) {}

  private S3Notifications() {}

  /**
   * @throws IllegalArgumentException when the body is not an S3 notification (a poison message)
   */
  static List<ObjectCreated> objectsCreated(String body) {
    JsonNode root;
    try {
      root = Json.parse(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON", e);
    }
    if ("s3:TestEvent".equals(root.path("Event").asText())) {
      return List.of();
    }
    JsonNode records = root.path("Records");
    if (!records.isArray()) {
      throw new IllegalArgumentException("not an S3 event notification");
    }
    List<ObjectCreated> created = new ArrayList<>();
    for (JsonNode r : records) {
      if (!r.path("eventName").asText().startsWith("ObjectCreated:")) {
        continue;
      }
      JsonNode s3 = r.path("s3");
      created.add(
          new ObjectCreated(
              s3.path("bucket").path("name").asText(),
              URLDecoder.decode(s3.path("object").path("key").asText(), StandardCharsets.UTF_8),
              s3.path("object").path("size").asLong(),
              Instant.parse(r.path("eventTime").asText())));
    }
    return created;
  }
}
