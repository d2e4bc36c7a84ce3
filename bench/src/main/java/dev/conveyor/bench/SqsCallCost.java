package dev.conveyor.bench;

import dev.conveyor.adapters.aws.AwsClients;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.emulators.EmbeddedServices;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * What one {@code SendMessageBatch} costs on the embedded local stack: the CPU of the calling
 * thread (AWS SDK) and of the whole process (SDK + ElasticMQ), per call, for batches of 1 and of 10
 * messages shaped like Conveyor's (a pointer body and a correlation id attribute). Sequential calls
 * from one thread, in rounds, so the JIT's warm-up shows and the last rounds are the steady state.
 * Loopback only; stops by itself.
 *
 * <p>{@code bench/run-sqs-call-cost.sh [--calls=2000] [--rounds=8]}
 */
public final class SqsCallCost {
  private SqsCallCost() {}

  public static void main(String[] args) {
    BenchArgs options = BenchArgs.parse(args, "calls", "rounds");
    int calls = options.intValue("calls", 2000);
    int rounds = options.intValue("rounds", 8);
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (EmbeddedServices services = EmbeddedServices.start();
        AwsClients aws =
            AwsClients.fromEnvironment(
                Env.of(
                    Map.of(
                        "AWS_REGION", services.region(),
                        "AWS_ENDPOINT_URL_SQS", services.sqsEndpoint().toString(),
                        "AWS_ACCESS_KEY_ID", services.accessKeyId(),
                        "AWS_SECRET_ACCESS_KEY", services.secretAccessKey())))) {
      SqsClient sqs = aws.sqs();
      String queueUrl = sqs.createQueue(q -> q.queueName("sqs-call-cost")).queueUrl();
      System.out.printf(
          "| messages per call | round | calls | wall µs/call | SDK thread CPU µs/call |"
              + " process CPU µs/call | process CPU µs/message |%n|---:|---:|---:|---:|---:|---:|---:|%n");
      for (int batch : new int[] {1, 10}) {
        for (int round = 1; round <= rounds; round++) {
          long thread0 = threads.getCurrentThreadCpuTime();
          long process0 = os.getProcessCpuTime();
          long wall0 = System.nanoTime();
          for (int i = 0; i < calls; i++) {
            sqs.sendMessageBatch(request(queueUrl, batch));
          }
          double wall = (System.nanoTime() - wall0) / 1e3 / calls;
          double thread = (threads.getCurrentThreadCpuTime() - thread0) / 1e3 / calls;
          double process = (os.getProcessCpuTime() - process0) / 1e3 / calls;
          System.out.printf(
              "| %d | %d | %d | %.0f | %.0f | %.0f | %.0f |%n",
              batch, round, calls, wall, thread, process, process / batch);
        }
        sqs.purgeQueue(p -> p.queueUrl(queueUrl));
      }
    }
  }

  private static SendMessageBatchRequest request(String queueUrl, int messages) {
    List<SendMessageBatchRequestEntry> entries = new ArrayList<>(messages);
    for (int i = 0; i < messages; i++) {
      entries.add(
          SendMessageBatchRequestEntry.builder()
              .id(Integer.toString(i))
              .messageBody("{\"kind\":\"job\",\"id\":\"" + UUID.randomUUID() + "\"}")
              .messageAttributes(
                  Map.of(
                      "correlation_id",
                      MessageAttributeValue.builder()
                          .dataType("String")
                          .stringValue(UUID.randomUUID().toString())
                          .build()))
              .build());
    }
    return SendMessageBatchRequest.builder().queueUrl(queueUrl).entries(entries).build();
  }
}
