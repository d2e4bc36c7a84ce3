package dev.conveyor.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.port.WebhookEndpointStore;
import dev.conveyor.core.submit.FieldError;
import dev.conveyor.core.submit.ProblemException;
import dev.conveyor.core.tenant.Tenant;
import dev.conveyor.core.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManageWebhookEndpointsTest {
  private static final String ALL = "[\"job.succeeded\",\"job.failed\",\"job.cancelled\"]";

  private final Tenant acme =
      new Tenant(TenantId.of("8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c"), "acme");
  private final Tenant globex =
      new Tenant(TenantId.of("1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"), "globex");

  private final MutableClock clock = new MutableClock();
  private final SecretSealer sealer = new SecretSealer(SecretSealer.newKey());
  private final InMemoryEndpointStore store = new InMemoryEndpointStore();
  private final TestZone zone = TestZone.standard();
  private final ManageWebhookEndpoints manage =
      new ManageWebhookEndpoints(store, sealer, new WebhookUrlGuard(false, zone), clock);

  // --- create ----------------------------------------------------------------------------------

  @Test
  void aNewEndpointSubscribesToEveryJobEventByDefaultAndGetsAWhsecSecretStoredOnlySealed() {
    var created = manage.create(acme, json("{\"url\":\"https://hooks.example.com/in\"}"));

    WebhookEndpoint endpoint = created.endpoint();
    assertThat(endpoint.tenantId()).isEqualTo(acme.id());
    assertThat(endpoint.url()).isEqualTo(URI.create("https://hooks.example.com/in"));
    assertThat(endpoint.eventTypes())
        .containsExactly("job.succeeded", "job.failed", "job.cancelled");
    assertThat(endpoint.enabled()).isTrue();
    assertThat(endpoint.description()).isNull();
    assertThat(endpoint.createdAt()).isEqualTo(clock.instant());
    assertThat(created.secret()).startsWith("whsec_");

    List<String> stored = store.validSecrets(endpoint.id(), clock.instant());
    assertThat(stored).singleElement().isNotEqualTo(created.secret());
    assertThat(sealer.open(stored.getFirst())).isEqualTo(created.secret());
    assertThat(store.find(acme.id(), endpoint.id())).contains(endpoint);
  }

  @Test
  void eventTypesAreASubsetInCanonicalOrderWithoutDuplicates() {
    var created =
        manage.create(
            acme,
            json(
                "{\"url\":\"https://h.example.com\",\"eventTypes\":[\"job.failed\",\"job.succeeded\",\"job.failed\"],"
                    + "\"description\":\"billing\"}"));

    assertThat(created.endpoint().eventTypes()).containsExactly("job.succeeded", "job.failed");
    assertThat(created.endpoint().description()).isEqualTo("billing");
  }

  @Test
  void everyInvalidFieldIsNamedAndNothingIsStored() {
    ProblemException problem =
        problemOf(() ->
            manage.create(
                acme,
                json(
                    "{\"url\":\"ftp://h.example.com\",\"eventTypes\":[\"job.succeeded\",\"job.started\",3],"
                        + "\"description\":\""
                        + "d".repeat(501)
                        + "\",\"secret\":\"whsec_mine\"}")));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.type()).isEqualTo("validation-failed");
    assertThat(problem.errors())
        .extracting(FieldError::pointer)
        .containsExactlyInAnyOrder(
            "/url", "/eventTypes/1", "/eventTypes/2", "/description", "/secret");
    assertThat(store.endpoints).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "{\"url\":null}",
        "{\"url\":42}",
        "{\"url\":\"\"}",
        "{\"url\":\"/relative/path\"}",
        "{\"url\":\"hooks.example.com/in\"}",
        "{\"url\":\"http://hooks.example.com/in\"}",
        "{\"url\":\"http://127.0.0.1:8080/in\"}",
        "{\"url\":\"mailto:ops@example.com\"}",
        "{\"url\":\"https:///no-host\"}",
        "{\"url\":\"https://exa mple.com/\"}",
        "{\"url\":\"https://user:pass@hooks.example.com/in\"}",
        "{\"url\":\"https://hooks.example.com/in#frag\"}",
        "{\"url\":\"https://hooks.example.com/in#\"}",
      })
  void aUrlThatIsNotAnAbsoluteHttpsUrlWithoutUserInfoOrFragmentIsRefusedAtSlashUrl(String body) {
    ProblemException problem = problemOf(() -> manage.create(acme, json(body)));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.errors()).isNotEmpty().allMatch(e -> e.pointer().equals("/url"));
    assertThat(store.endpoints).isEmpty();
  }

  @Test
  void aUrlOfExactly2048CharactersIsAcceptedAndOneMoreIsNot() {
    String base = "https://hooks.example.com/";
    String longest = base + "a".repeat(2048 - base.length());

    manage.create(acme, json("{\"url\":\"" + longest + "\"}"));
    ProblemException problem =
        problemOf(() -> manage.create(acme, json("{\"url\":\"" + longest + "a\"}")));

    assertThat(problem.errors()).containsExactly(new FieldError("/url", "at most 2048 characters"));
  }

  @Test
  void plainHttpIsAcceptedOnlyToALoopbackHostAndOnlyWhenTheLocalStackOptsIn() {
    var local = new ManageWebhookEndpoints(store, sealer, new WebhookUrlGuard(true, zone), clock);

    for (String url :
        List.of("http://127.0.0.1:8080/in", "http://localhost:9000/in", "http://[::1]/in")) {
      assertThat(local.create(acme, json("{\"url\":\"" + url + "\"}")).endpoint().url())
          .isEqualTo(URI.create(url));
    }
    ProblemException remote =
        problemOf(() -> local.create(acme, json("{\"url\":\"http://10.0.0.8/in\"}")));
    assertThat(remote.errors())
        .containsExactly(new FieldError("/url", "must use https (http only to a loopback host)"));
    ProblemException optedOut =
        problemOf(() -> manage.create(acme, json("{\"url\":\"http://127.0.0.1/in\"}")));
    assertThat(optedOut.errors()).containsExactly(new FieldError("/url", "must use https"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://metadata.evil.test/latest/meta-data/",
        "https://private.evil.test/in",
        "https://mixed.evil.test/in",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://[::ffff:10.0.0.5]/in",
        "https://[64:ff9b::7f00:1]/in",
        "https://[2002:a9fe:a9fe::]/in",
        "https://127.0.0.1/in",
        "https://localhost/in"
      })
  void aUrlThatReachesAForbiddenAddressIsRefusedNamingWhy(String url) {
    ProblemException problem =
        problemOf(() -> manage.create(acme, json("{\"url\":\"" + url + "\"}")));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.errors())
        .singleElement()
        .satisfies(error -> {
          assertThat(error.pointer()).isEqualTo("/url");
          assertThat(error.detail()).startsWith("must not reach a ");
        });
    assertThat(store.endpoints).isEmpty();
  }

  @Test
  void theReasonNamesTheHostTheAddressAndItsBlock() {
    ProblemException problem =
        problemOf(
            () -> manage.create(acme, json("{\"url\":\"https://metadata.evil.test/latest\"}")));

    assertThat(problem.errors())
        .containsExactly(
            new FieldError(
                "/url",
                "must not reach a link-local address (metadata.evil.test resolves to"
                    + " 169.254.169.254, in 169.254.0.0/16)"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://2130706433/in",
        "https://0x7f000001/in",
        "https://0x7f.1/in",
        "https://0177.0.0.1/in",
        "https://127.1/in",
        "https://10.1/in",
        "https://93.184.215.014/in"
      })
  void anIpv4AddressSpelledOtherThanAsFourDecimalNumbersIsRefusedWithoutALookup(String url) {
    ProblemException problem =
        problemOf(() -> manage.create(acme, json("{\"url\":\"" + url + "\"}")));

    assertThat(problem.errors())
        .singleElement()
        .satisfies(error -> {
          assertThat(error.pointer()).isEqualTo("/url");
          assertThat(error.detail()).contains("four decimal numbers");
        });
    assertThat(zone.asked).isEmpty();
    assertThat(store.endpoints).isEmpty();
  }

  @Test
  void aHostThatDoesNotResolveIsRefused() {
    ProblemException problem =
        problemOf(() -> manage.create(acme, json("{\"url\":\"https://no-such-host.invalid/in\"}")));

    assertThat(problem.errors())
        .containsExactly(new FieldError("/url", "must name a host that resolves"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "\"job.succeeded\"", "{}"})
  void eventTypesMustBeANonEmptyArray(String eventTypes) {
    ProblemException problem =
        problemOf(() ->
            manage.create(
                acme,
                json("{\"url\":\"https://h.example.com\",\"eventTypes\":" + eventTypes + "}")));

    assertThat(problem.errors()).extracting(FieldError::pointer).containsExactly("/eventTypes");
  }

  @Test
  void aBodyThatIsNotAnObjectIsRefused() {
    ProblemException problem = problemOf(() -> manage.create(acme, json("[]")));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.errors()).containsExactly(new FieldError("", "expected an object"));
  }

  @Test
  void theTwentyFirstEndpointOfATenantIsRefusedButAnotherTenantIsUnaffected() {
    for (int i = 0; i < 20; i++) {
      manage.create(acme, json("{\"url\":\"https://h.example.com/" + i + "\"}"));
    }

    ProblemException problem =
        problemOf(() -> manage.create(acme, json("{\"url\":\"https://h.example.com/20\"}")));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.type()).isEqualTo("endpoint-limit-reached");
    assertThat(problem.detail()).contains("20");
    assertThat(manage.list(acme)).hasSize(20);
    assertThat(manage.create(globex, json("{\"url\":\"https://h.example.com\"}"))).isNotNull();
  }

  // --- read, delete ----------------------------------------------------------------------------

  @Test
  void anotherTenantsEndpointIsNotFoundNorListedNorDeletable() {
    WebhookEndpoint mine = created(acme).endpoint();
    String id = mine.id().toString();

    assertThat(problemOf(() -> manage.get(globex, id)).status()).isEqualTo(404);
    assertThat(problemOf(() -> manage.delete(globex, id)).status()).isEqualTo(404);
    assertThat(problemOf(() -> manage.rotateSecret(globex, id, null)).status()).isEqualTo(404);
    assertThat(manage.list(globex)).isEmpty();
    assertThat(manage.get(acme, id)).isEqualTo(mine);
    assertThat(store.validSecrets(mine.id(), clock.instant())).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nope", "1-1-1-1-1", "8d0c4a52-3a57-4c4e-9d4f-0b8e3c1a2b3c"})
  void aMalformedOrUnknownIdIsNotFound(String id) {
    assertThat(problemOf(() -> manage.get(acme, id)).status()).isEqualTo(404);
    assertThat(problemOf(() -> manage.delete(acme, id)).status()).isEqualTo(404);
    assertThat(problemOf(() -> manage.enable(acme, id)).status()).isEqualTo(404);
  }

  @Test
  void aDeletedEndpointIsGoneFromTheApiAndNoLongerCountsTowardsTheLimit() {
    WebhookEndpoint endpoint = created(acme).endpoint();
    String id = endpoint.id().toString();

    manage.delete(acme, id);

    assertThat(store.endpoints.get(endpoint.id()).disabledReason()).isEqualTo("deleted");
    assertThat(store.endpoints.get(endpoint.id()).enabled()).isFalse();
    assertThat(manage.list(acme)).isEmpty();
    assertThat(problemOf(() -> manage.get(acme, id)).status()).isEqualTo(404);
    assertThat(problemOf(() -> manage.delete(acme, id)).status()).isEqualTo(404);
    assertThat(store.validSecrets(endpoint.id(), clock.instant())).isEmpty();
  }

  // --- rotation --------------------------------------------------------------------------------

  @Test
  void duringTheDefaultDayOfGraceBothSecretsSignAndAfterItOnlyTheNewOne() {
    var created = created(acme);
    UUID id = created.endpoint().id();
    Instant rotatedAt = clock.instant();

    var rotated = manage.rotateSecret(acme, id.toString(), null);

    assertThat(rotated.secret()).startsWith("whsec_").isNotEqualTo(created.secret());
    assertThat(rotated.endpoint()).isEqualTo(created.endpoint());
    assertThat(rotated.previousSecretsExpireAt()).isEqualTo(rotatedAt.plus(Duration.ofDays(1)));
    assertThat(signingSecrets(id)).containsExactlyInAnyOrder(created.secret(), rotated.secret());

    clock.advance(Duration.ofDays(1).minusMillis(1));
    assertThat(signingSecrets(id)).containsExactlyInAnyOrder(created.secret(), rotated.secret());

    clock.advance(Duration.ofMillis(1));
    assertThat(signingSecrets(id)).containsExactly(rotated.secret());
  }

  @Test
  void aDeliverySignedDuringGraceVerifiesWithEitherSecret() {
    var created = created(acme);
    UUID id = created.endpoint().id();
    var rotated = manage.rotateSecret(acme, id.toString(), json("{\"graceSeconds\":60}"));
    String payload = "{\"type\":\"job.succeeded\"}";

    Map<String, String> headers =
        WebhookSignature.headers("msg_1", clock.instant(), payload, signingSecrets(id));

    for (String secret : List.of(created.secret(), rotated.secret())) {
      assertThat(
              WebhookSignature.verify(
                  secret,
                  "msg_1",
                  headers.get(WebhookSignature.HEADER_TIMESTAMP),
                  headers.get(WebhookSignature.HEADER_SIGNATURE),
                  payload,
                  clock.instant(),
                  WebhookSignature.DEFAULT_TOLERANCE))
          .as("signed for %s", secret)
          .isTrue();
    }
  }

  @Test
  void aZeroGraceRetiresTheOldSecretAtOnce() {
    var created = created(acme);
    UUID id = created.endpoint().id();

    var rotated = manage.rotateSecret(acme, id.toString(), json("{\"graceSeconds\":0}"));

    assertThat(rotated.previousSecretsExpireAt()).isEqualTo(clock.instant());
    assertThat(signingSecrets(id)).containsExactly(rotated.secret());
  }

  @Test
  void aSecondRotationNeverExtendsAnEarlierGracePeriod() {
    var first = created(acme);
    UUID id = first.endpoint().id();
    manage.rotateSecret(acme, id.toString(), json("{\"graceSeconds\":60}"));
    clock.advance(Duration.ofSeconds(10));
    var third = manage.rotateSecret(acme, id.toString(), json("{\"graceSeconds\":3600}"));

    clock.advance(Duration.ofSeconds(50));

    assertThat(signingSecrets(id))
        .hasSize(2)
        .doesNotContain(first.secret())
        .contains(third.secret());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "604801", "1.5", "\"60\"", "true", "1e3"})
  void aGracePeriodOutsideZeroToSevenDaysIsRefusedAtSlashGraceSeconds(String grace) {
    UUID id = created(acme).endpoint().id();

    ProblemException problem =
        problemOf(() ->
            manage.rotateSecret(acme, id.toString(), json("{\"graceSeconds\":" + grace + "}")));

    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.errors())
        .containsExactly(new FieldError("/graceSeconds", "an integer from 0 to 604800"));
    assertThat(store.validSecrets(id, clock.instant())).hasSize(1);
  }

  @Test
  void theLongestGraceIsSevenDays() {
    UUID id = created(acme).endpoint().id();

    var rotated = manage.rotateSecret(acme, id.toString(), json("{\"graceSeconds\":604800}"));

    assertThat(rotated.previousSecretsExpireAt())
        .isEqualTo(clock.instant().plus(Duration.ofDays(7)));
  }

  @Test
  void rotatingFasterThanTheGraceRunsOutStopsAtTenValidSecretsUntilAZeroGraceRotation() {
    UUID id = created(acme).endpoint().id();
    for (int i = 0; i < 9; i++) {
      manage.rotateSecret(acme, id.toString(), null);
    }
    assertThat(store.validSecrets(id, clock.instant())).hasSize(10);

    ProblemException problem = problemOf(() -> manage.rotateSecret(acme, id.toString(), null));

    assertThat(problem.status()).isEqualTo(409);
    assertThat(problem.type()).isEqualTo("too-many-secrets");
    var reset = manage.rotateSecret(acme, id.toString(), json("{\"graceSeconds\":0}"));
    assertThat(signingSecrets(id)).containsExactly(reset.secret());
  }

  @Test
  void anUnknownRotationFieldIsRefused() {
    UUID id = created(acme).endpoint().id();

    ProblemException problem =
        problemOf(() -> manage.rotateSecret(acme, id.toString(), json("{\"grace\":60}")));

    assertThat(problem.errors()).containsExactly(new FieldError("/grace", "unknown field"));
  }

  // --- helpers ---------------------------------------------------------------------------------

  private ManageWebhookEndpoints.WithSecret created(Tenant tenant) {
    return manage.create(tenant, json("{\"url\":\"https://hooks.example.com/in\"}"));
  }

  /** What a delivery claimed now would be signed with: the valid secrets, opened. */
  private List<String> signingSecrets(UUID endpointId) {
    return store.validSecrets(endpointId, clock.instant()).stream().map(sealer::open).toList();
  }

  private static JsonNode json(String text) {
    return Json.parseTrusted(text);
  }

  private static ProblemException problemOf(Runnable call) {
    try {
      call.run();
      return fail("expected a ProblemException");
    } catch (ProblemException e) {
      return e;
    }
  }

  /** The store's contract, in memory: soft deletes, secrets valid while now is before expiry. */
  private static final class InMemoryEndpointStore implements WebhookEndpointStore {
    private record Secret(String sealed, Instant createdAt, Instant expiresAt) {
      boolean validAt(Instant now) {
        return expiresAt == null || now.isBefore(expiresAt);
      }
    }

    final Map<UUID, WebhookEndpoint> endpoints = new LinkedHashMap<>();
    final Map<UUID, List<Secret>> secrets = new LinkedHashMap<>();

    @Override
    public boolean create(WebhookEndpoint endpoint, String sealedSecret, int maxEndpoints) {
      if (list(endpoint.tenantId()).size() >= maxEndpoints) {
        return false;
      }
      endpoints.put(endpoint.id(), endpoint);
      secrets.put(
          endpoint.id(),
          new ArrayList<>(List.of(new Secret(sealedSecret, endpoint.createdAt(), null))));
      return true;
    }

    @Override
    public List<WebhookEndpoint> list(TenantId tenant) {
      return endpoints.values().stream()
          .filter(e -> e.tenantId().equals(tenant) && !e.deleted())
          .toList();
    }

    @Override
    public Optional<WebhookEndpoint> find(TenantId tenant, UUID id) {
      return Optional.ofNullable(endpoints.get(id))
          .filter(e -> e.tenantId().equals(tenant) && !e.deleted());
    }

    @Override
    public boolean delete(TenantId tenant, UUID id) {
      Optional<WebhookEndpoint> found = find(tenant, id);
      found.ifPresent(e -> {
        endpoints.put(
            id,
            new WebhookEndpoint(
                id,
                e.tenantId(),
                e.url(),
                e.eventTypes(),
                e.description(),
                false,
                WebhookEndpoint.DELETED,
                null,
                e.failingSince(),
                e.createdAt()));
        secrets.remove(id);
      });
      return found.isPresent();
    }

    @Override
    public Optional<WebhookEndpoint> enable(TenantId tenant, UUID id) {
      return find(tenant, id)
          .map(e -> {
            WebhookEndpoint enabled =
                new WebhookEndpoint(
                    id,
                    e.tenantId(),
                    e.url(),
                    e.eventTypes(),
                    e.description(),
                    true,
                    null,
                    null,
                    e.enabled() ? e.failingSince() : null,
                    e.createdAt());
            endpoints.put(id, enabled);
            return enabled;
          });
    }

    @Override
    public Rotation rotateSecret(
        TenantId tenant,
        UUID id,
        String sealedSecret,
        Instant now,
        Instant previousExpireAt,
        int maxSecrets) {
      if (find(tenant, id).isEmpty()) {
        return Rotation.NOT_FOUND;
      }
      List<Secret> valid = secrets.get(id).stream().filter(s -> s.validAt(now)).toList();
      if (previousExpireAt.isAfter(now) && valid.size() + 1 > maxSecrets) {
        return Rotation.TOO_MANY_SECRETS;
      }
      List<Secret> next = new ArrayList<>();
      for (Secret s : valid) {
        Instant expiry =
            s.expiresAt() == null || previousExpireAt.isBefore(s.expiresAt())
                ? previousExpireAt
                : s.expiresAt();
        next.add(new Secret(s.sealed(), s.createdAt(), expiry));
      }
      next.add(new Secret(sealedSecret, now, null));
      secrets.put(id, next);
      return Rotation.ROTATED;
    }

    List<String> validSecrets(UUID endpointId, Instant now) {
      return secrets.getOrDefault(endpointId, List.of()).stream()
          .filter(s -> s.validAt(now))
          .map(Secret::sealed)
          .toList();
    }
  }
}
