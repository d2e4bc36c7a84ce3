package dev.conveyor.adapters.aws;

import dev.conveyor.adapters.config.Env;
import dev.conveyor.emulators.EmbeddedServices;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The environment a function gets in the local stack: the JVM's shared emulators, their credential
 * pair passed as variables, path-style S3. Tests build their clients from it with {@link
 * AwsClients}, the same path every function takes.
 */
public final class EmulatorEnv {

  private EmulatorEnv() {}

  public static EmbeddedServices services() {
    return EmbeddedServices.shared();
  }

  /** The variables pointing every service at its emulator. */
  public static Map<String, String> variables() {
    EmbeddedServices services = services();
    Map<String, String> env = new HashMap<>();
    env.put(AwsClients.AWS_REGION, services.region());
    env.put(AwsClients.AWS_ACCESS_KEY_ID, services.accessKeyId());
    env.put(AwsClients.AWS_SECRET_ACCESS_KEY, services.secretAccessKey());
    env.put(AwsClients.AWS_ENDPOINT_URL_SQS, services.sqsEndpoint().toString());
    env.put(AwsClients.AWS_ENDPOINT_URL_S3, services.s3Endpoint().toString());
    env.put(AwsClients.AWS_ENDPOINT_URL_DYNAMODB, services.dynamoDbEndpoint().toString());
    env.put(
        AwsClients.AWS_ENDPOINT_URL_SECRETS_MANAGER, services.secretsManagerEndpoint().toString());
    env.put(AwsClients.S3_FORCE_PATH_STYLE, "true");
    return env;
  }

  public static Env env() {
    return Env.of(variables());
  }

  /** Clients for the emulators, built the one way every function builds them. */
  public static AwsClients clients() {
    return new AwsClients(env());
  }

  /** A queue or bucket name no other test uses. */
  public static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
