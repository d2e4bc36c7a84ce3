package dev.conveyor.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.local.LocalTenants.LocalTenant;
import dev.conveyor.adapters.postgres.PostgresOutbox;
import dev.conveyor.adapters.testing.TestInfrastructure;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.PendingMessage;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * Commit, then enqueue: when SQS is unreachable after the job is committed, the client still gets
 * its 202, the job is safe, and its outbox row stays pending for the sync relay.
 */
class CommitThenEnqueueTest {
  private static TestInfrastructure.Provisioned env;
  private static Infrastructure queueDown;
  private static LocalTenant tenant;

  @BeforeAll
  static void provision() {
    env = TestInfrastructure.provision();
    Map<String, String> unreachableSqs = new HashMap<>(env.env());
    unreachableSqs.put("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:1"); // nothing listens there
    unreachableSqs.put("AWS_MAX_ATTEMPTS", "1");
    queueDown = Infrastructure.fromEnvironment(Env.of(unreachableSqs));
    tenant = env.tenant("outbox");
  }

  @AfterAll
  static void close() {
    queueDown.close();
    env.close();
  }

  @ParameterizedTest
  @Event(value = "events/apigw/post-job.json", type = APIGatewayV2HTTPEvent.class)
  void aSendThatFailsAfterTheCommitLeavesTheJobSafeAndItsOutboxRowPending(
      APIGatewayV2HTTPEvent event) {
    UUID uploadId = env.uploadedSource(tenant, new byte[] {1, 2, 3}, "image/jpeg");
    ApiTestCalls.authorize(event, tenant);
    event.setBody(ApiTestCalls.imageJob(uploadId));

    APIGatewayV2HTTPResponse response =
        new ApiHandler(new SubmitFunction(queueDown).api()).handleRequest(event, null);

    assertThat(response.getStatusCode()).isEqualTo(202);
    JobId id = JobId.parse(Json.parseTrusted(response.getBody()).path("id").asText()).orElseThrow();
    assertThat(env.infra().jobStore().find(id).orElseThrow().state()).isEqualTo(JobState.QUEUED);
    assertThat(new PostgresOutbox(env.infra().dataSource()).unsent(Instant.now(), 1000))
        .extracting(PendingMessage::message)
        .anySatisfy(m -> assertThat(m.id()).isEqualTo(id.value()));
  }
}
