package dev.conveyor.webhook;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Keeps the first {@code limit} bytes of a response body and stops reading there: a receiver that
 * answers with megabytes costs us only what the delivery log keeps.
 */
final class TruncatingBodySubscriber implements BodySubscriber<String> {
  private final int limit;
  private final byte[] kept;
  private final CompletableFuture<String> body = new CompletableFuture<>();
  private int size;
  private Flow.Subscription subscription;

  TruncatingBodySubscriber(int limit) {
    this.limit = limit;
    this.kept = new byte[limit];
  }

  @Override
  public CompletionStage<String> getBody() {
    return body;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    for (ByteBuffer buffer : buffers) {
      int n = Math.min(buffer.remaining(), limit - size);
      buffer.get(kept, size, n);
      size += n;
    }
    if (size == limit) {
      subscription.cancel();
      complete();
    }
  }

  @Override
  public void onError(Throwable error) {
    body.completeExceptionally(error);
  }

  @Override
  public void onComplete() {
    complete();
  }

  private void complete() {
    body.complete(new String(kept, 0, size, StandardCharsets.UTF_8));
  }
}
