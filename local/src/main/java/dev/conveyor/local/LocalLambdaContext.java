package dev.conveyor.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link Context} Lambda would pass one invocation: a request id and a deadline. */
final class LocalLambdaContext implements Context {
  private static final Logger LOG = LoggerFactory.getLogger(LocalLambdaContext.class);

  private final String functionName;
  private final String requestId = UUID.randomUUID().toString();
  private final long deadlineNanos;
  private final int memoryMb;

  LocalLambdaContext(String functionName, Duration timeout, int memoryMb) {
    this.functionName = functionName;
    this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    this.memoryMb = memoryMb;
  }

  @Override
  public String getAwsRequestId() {
    return requestId;
  }

  @Override
  public String getLogGroupName() {
    return "/aws/lambda/" + functionName;
  }

  @Override
  public String getLogStreamName() {
    return "local";
  }

  @Override
  public String getFunctionName() {
    return functionName;
  }

  @Override
  public String getFunctionVersion() {
    return "$LATEST";
  }

  @Override
  public String getInvokedFunctionArn() {
    return "arn:aws:lambda:local:000000000000:function:" + functionName;
  }

  @Override
  public CognitoIdentity getIdentity() {
    return null;
  }

  @Override
  public ClientContext getClientContext() {
    return null;
  }

  @Override
  public int getRemainingTimeInMillis() {
    return (int) Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
  }

  @Override
  public int getMemoryLimitInMB() {
    return memoryMb;
  }

  @Override
  public LambdaLogger getLogger() {
    return new LambdaLogger() {
      @Override
      public void log(String message) {
        LOG.info(message);
      }

      @Override
      public void log(byte[] message) {
        LOG.info(new String(message, StandardCharsets.UTF_8));
      }
    };
  }
}
