package dev.conveyor.core.tenant;

import dev.conveyor.core.port.TenantDirectory;
import dev.conveyor.core.submit.ProblemException;
import java.util.Locale;

/** Resolves {@code Authorization: Bearer <api key>} to a tenant. */
public final class Authenticator {
  private static final String SCHEME = "bearer ";
  private static final int MAX_KEY_LENGTH = 200;

  private final TenantDirectory directory;

  public Authenticator(TenantDirectory directory) {
    this.directory = directory;
  }

  /**
   * @throws ProblemException 401 for a missing, malformed, unknown or revoked key (one answer for
   *     all, so the response tells an attacker nothing)
   */
  public Tenant authenticate(String authorizationHeader) {
    if (authorizationHeader == null
        || authorizationHeader.length() > SCHEME.length() + MAX_KEY_LENGTH
        || !authorizationHeader.toLowerCase(Locale.ROOT).startsWith(SCHEME)) {
      throw ProblemException.unauthorized();
    }
    String key = authorizationHeader.substring(SCHEME.length()).trim();
    if (!key.startsWith(ApiKeys.PREFIX)) {
      throw ProblemException.unauthorized();
    }
    return directory
        .findByApiKeyHash(ApiKeys.hash(key))
        .orElseThrow(ProblemException::unauthorized);
  }
}
