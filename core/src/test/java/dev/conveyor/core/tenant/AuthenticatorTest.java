package dev.conveyor.core.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.TenantDirectory;
import dev.conveyor.core.submit.ProblemException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class AuthenticatorTest {
  private static final Tenant ACME =
      new Tenant(TenantId.of("8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c"), "acme");

  private final String key = ApiKeys.generate();
  private final FakeDirectory directory = new FakeDirectory();
  private final Authenticator authenticator = new Authenticator(directory);

  AuthenticatorTest() {
    directory.add(key, ACME);
  }

  @Test
  void aValidKeyResolvesToItsTenant() {
    assertThat(authenticator.authenticate("Bearer " + key)).isEqualTo(ACME);
  }

  @Test
  void theDirectoryIsAskedWithTheKeysDigestNeverTheKey() {
    authenticator.authenticate("Bearer " + key);

    assertThat(directory.lookups).containsExactly(ApiKeys.hash(key));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bearer ", "BEARER ", "BeArEr ", "Bearer  ", "Bearer \t"})
  void theSchemeIsCaseInsensitiveAndSurroundingSpaceIgnored(String scheme) {
    assertThat(authenticator.authenticate(scheme + key + " ")).isEqualTo(ACME);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token cvk_abc",
        "Bearercvk_abc",
        "Bearer abc",
        "Bearer sk_live_abc",
        "Bearer CVK_abc",
        "Bearer cvk_not-a-known-key"
      })
  void everyBadHeaderGetsTheSame401Problem(String header) {
    ProblemException problem = problemOf(header);

    assertSameAsUnauthorized(problem);
  }

  @Test
  void aWrongSchemeWithAValidKeyIsRefused() {
    assertSameAsUnauthorized(problemOf("Basic " + key));
    assertSameAsUnauthorized(problemOf(key));
  }

  @Test
  void aRevokedOrUnknownKeyGetsTheSame401Problem() {
    String unknown = ApiKeys.generate();

    assertSameAsUnauthorized(problemOf("Bearer " + unknown));
    assertThat(directory.lookups).containsExactly(ApiKeys.hash(unknown));
  }

  @Test
  void anOverlongHeaderIsRefusedWithoutALookupEvenForAKnownKey() {
    String longKey = ApiKeys.PREFIX + "x".repeat(250);
    directory.add(longKey, ACME);

    assertSameAsUnauthorized(problemOf("Bearer " + longKey));
    assertThat(directory.lookups).isEmpty();
  }

  @Test
  void keysOfUpTo200CharactersAreLookedUp() {
    String longest = ApiKeys.PREFIX + "y".repeat(196);
    String tooLong = ApiKeys.PREFIX + "y".repeat(197);
    directory.add(longest, ACME);
    directory.add(tooLong, ACME);

    assertThat(authenticator.authenticate("Bearer " + longest)).isEqualTo(ACME);
    assertSameAsUnauthorized(problemOf("Bearer " + tooLong));
  }

  @Test
  void theProblemTellsTheClientHowToAuthenticate() {
    ProblemException problem = problemOf(null);

    assertThat(problem.status()).isEqualTo(401);
    assertThat(problem.type()).isEqualTo("unauthorized");
    assertThat(problem.headers()).containsEntry("WWW-Authenticate", "Bearer realm=\"conveyor\"");
    assertThat(problem.errors()).isEmpty();
  }

  private static void assertSameAsUnauthorized(ProblemException problem) {
    ProblemException expected = ProblemException.unauthorized();
    assertThat(problem.status()).isEqualTo(401);
    assertThat(problem.type()).isEqualTo(expected.type());
    assertThat(problem.title()).isEqualTo(expected.title());
    assertThat(problem.detail()).isEqualTo(expected.detail());
    assertThat(problem.headers()).isEqualTo(expected.headers());
    assertThat(problem.errors()).isEmpty();
  }

  private ProblemException problemOf(String header) {
    try {
      Tenant tenant = authenticator.authenticate(header);
      return fail("expected a 401 for %s, got %s", header, tenant);
    } catch (ProblemException e) {
      return e;
    }
  }

  /** Active keys by digest, as PostgresTenantDirectory holds them; records each lookup. */
  static final class FakeDirectory implements TenantDirectory {
    private final Map<String, Tenant> byHash = new HashMap<>();
    final List<String> lookups = new ArrayList<>();

    void add(String apiKey, Tenant tenant) {
      byHash.put(ApiKeys.hash(apiKey), tenant);
    }

    @Override
    public Optional<Tenant> findByApiKeyHash(String apiKeySha256Hex) {
      lookups.add(apiKeySha256Hex);
      return Optional.ofNullable(byHash.get(apiKeySha256Hex));
    }
  }
}
