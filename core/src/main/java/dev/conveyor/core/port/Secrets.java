package dev.conveyor.core.port;

/** Secret values by id (Secrets Manager on AWS). Implementations cache; values never reach logs. */
public interface Secrets {
  /**
   * @throws SecretNotFoundException when the secret does not exist
   */
  String get(String secretId);

  final class SecretNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SecretNotFoundException(String secretId, Throwable cause) {
      super("no secret " + secretId, cause);
    }
  }
}
