package dev.conveyor.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.core.json.Json;
import dev.conveyor.emulators.S3ObjectCreated;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Emits S3 "ObjectCreated" notifications for the uploads bucket to the upload-events queue, in the
 * JSON S3 itself sends (the emulator sends none): this is what the bucket notification does on AWS.
 */
final class UploadNotifications {
  private static final Logger LOG = LoggerFactory.getLogger(UploadNotifications.class);

  private final SqsClient sqs;
  private final String bucket;
  private final String queueUrl;
  private final String region;

  UploadNotifications(SqsClient sqs, String bucket, String queueUrl, String region) {
    this.sqs = sqs;
    this.bucket = bucket;
    this.queueUrl = queueUrl;
    this.region = region;
  }

  void objectCreated(S3ObjectCreated created) {
    if (!created.bucket().equals(bucket)) {
      return;
    }
    try {
      sqs.sendMessage(m -> m.queueUrl(queueUrl).messageBody(notification(created)));
    } catch (RuntimeException e) {
      LOG.error("could not emit the S3 event for an upload", e);
    }
  }

  String notification(S3ObjectCreated created) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ObjectNode record = root.putArray("Records").addObject();
    record.put("eventVersion", "2.1");
    record.put("eventSource", "aws:s3");
    record.put("awsRegion", region);
    record.put("eventTime", created.eventTime().toString());
    record.put("eventName", "ObjectCreated:Put");
    record.putObject("userIdentity").put("principalId", "AWS:local");
    ObjectNode s3 = record.putObject("s3");
    s3.put("s3SchemaVersion", "1.0");
    s3.put("configurationId", "uploads-created");
    s3.putObject("bucket")
        .put("name", created.bucket())
        .put("arn", "arn:aws:s3:::" + created.bucket());
    s3.putObject("object")
        // S3 URL-encodes keys in notifications ('+' for space).
        .put("key", URLEncoder.encode(created.key(), StandardCharsets.UTF_8).replace("%2F", "/"))
        .put("size", created.size())
        .put("eTag", created.eTag() == null ? "" : created.eTag().replace("\"", ""))
        .put(
            "sequencer",
            UUID.randomUUID().toString().replace("-", "").toUpperCase(java.util.Locale.ROOT));
    return Json.write(root);
  }
}
