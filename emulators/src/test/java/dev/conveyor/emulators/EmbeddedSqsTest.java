package dev.conveyor.emulators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

class EmbeddedSqsTest {

  private static EmbeddedSqs sqs;
  private static SqsClient client;

  @BeforeAll
  static void start() {
    sqs = EmbeddedSqs.start(0);
    client = Sdk.sqs(sqs.endpoint());
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (sqs != null) {
      sqs.close();
    }
  }

  @Test
  void listensOnLoopbackAndHandsOutQueueUrlsUnderItsEndpoint() {
    assertThat(sqs.endpoint().getHost()).isEqualTo("127.0.0.1");

    String queueUrl = client.createQueue(b -> b.queueName("urls")).queueUrl();

    assertThat(queueUrl).startsWith(sqs.endpoint().toString() + "/");
    assertThat(client.getQueueUrl(b -> b.queueName("urls")).queueUrl()).isEqualTo(queueUrl);
  }

  @Test
  void messageReceivedMoreThanMaxReceiveCountTimesMovesToTheDeadLetterQueue() {
    String dlqUrl = client.createQueue(b -> b.queueName("jobs-dlq")).queueUrl();
    String dlqArn =
        client
            .getQueueAttributes(
                b -> b.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    String queueUrl =
        client
            .createQueue(b ->
                b.queueName("jobs")
                    .attributes(
                        Map.of(
                            QueueAttributeName.REDRIVE_POLICY,
                            "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":\"2\"}"
                                .formatted(dlqArn))))
            .queueUrl();
    client.sendMessage(b -> b.queueUrl(queueUrl).messageBody("poison"));

    for (int receive = 1; receive <= 2; receive++) {
      Message message = receiveOne(queueUrl);
      assertThat(message.body()).isEqualTo("poison");
      assertThat(message.attributes())
          .containsEntry(
              MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, Integer.toString(receive));
      // A failed handler gives the message back at once.
      client.changeMessageVisibility(
          b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()).visibilityTimeout(0));
    }

    assertThat(receive(queueUrl)).isEmpty();
    assertThat(receiveOne(dlqUrl).body()).isEqualTo("poison");
  }

  @Test
  void changeMessageVisibilityHidesAndReleasesAMessage() {
    String queueUrl = client.createQueue(b -> b.queueName("visibility")).queueUrl();
    client.sendMessage(b -> b.queueUrl(queueUrl).messageBody("hello"));

    Message first = receiveOne(queueUrl);
    client.changeMessageVisibility(
        b -> b.queueUrl(queueUrl).receiptHandle(first.receiptHandle()).visibilityTimeout(300));
    assertThat(receive(queueUrl)).isEmpty();

    client.changeMessageVisibility(
        b -> b.queueUrl(queueUrl).receiptHandle(first.receiptHandle()).visibilityTimeout(0));
    Message again = receiveOne(queueUrl);
    assertThat(again.messageId()).isEqualTo(first.messageId());

    client.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(again.receiptHandle()));
    assertThat(receive(queueUrl)).isEmpty();
  }

  private Message receiveOne(String queueUrl) {
    List<Message> messages = receive(queueUrl);
    assertThat(messages).hasSize(1);
    return messages.getFirst();
  }

  private List<Message> receive(String queueUrl) {
    return client
        .receiveMessage(b ->
            b.queueUrl(queueUrl)
                .maxNumberOfMessages(10)
                .waitTimeSeconds(0)
                .visibilityTimeout(30)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
        .messages();
  }
}
