package dev.conveyor.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.json.Json;
import dev.conveyor.core.tenant.ApiKeys;
import dev.conveyor.emulators.EmbeddedServices;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./conveyor admin} against the stack {@code ./conveyor serve} runs. */
class AdminCommandTest {
  private static final Pattern KEY = Pattern.compile("API key (cvk_\\S+)");
  private static final Pattern TENANT = Pattern.compile("tenant +(\\S+)");

  private static LocalStack stack;

  @TempDir static Path stateDir;

  @BeforeAll
  static void startStackAndWriteItsLocalJson() throws Exception {
    EmbeddedServices services = EmbeddedServices.shared();
    stack =
        LocalStack.startOn(
            services,
            new LocalStack.Settings(
                0, "adm" + UUID.randomUUID().toString().substring(0, 6), Map.of()));
    Files.writeString(
        stateDir.resolve("local.json"),
        Json.write(
            Map.of(
                "jdbcUrl", services.jdbcUrl(),
                "dbUser", services.dbUser(),
                "dbPassword", services.dbPassword())));
  }

  @AfterAll
  static void stopStack() {
    stack.close();
  }

  private record Run(int status, String output) {}

  private static Run admin(String... args) throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int status =
        new AdminCommand(new PrintStream(buffer, true, StandardCharsets.UTF_8), stateDir).run(args);
    return new Run(status, buffer.toString(StandardCharsets.UTF_8));
  }

  private static String find(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    assertThat(m.find()).as("output: %s", text).isTrue();
    return m.group(1);
  }

  private static boolean authenticates(String apiKey) {
    return stack
        .infrastructure()
        .tenantDirectory()
        .findByApiKeyHash(ApiKeys.hash(apiKey))
        .isPresent();
  }

  @Test
  void aTenantIsCreatedWithAWorkingKeyThatCanBeRevoked() throws Exception {
    Run created = admin("admin", "create-tenant", "acme");
    assertThat(created.status()).isZero();
    String key = find(KEY, created.output());
    assertThat(authenticates(key)).isTrue();

    Run revoked = admin("admin", "revoke-key", key);
    assertThat(revoked.status()).isZero();
    assertThat(authenticates(key)).isFalse();
    assertThat(admin("admin", "revoke-key", key).status()).as("already revoked").isEqualTo(1);
  }

  @Test
  void aTenantCanHaveSeveralKeysRevokedIndependently() throws Exception {
    Run created = admin("admin", "create-tenant", "globex");
    String tenant = find(TENANT, created.output());
    String first = find(KEY, created.output());
    String second = find(KEY, admin("admin", "create-key", tenant).output());

    admin("admin", "revoke-key", ApiKeys.hash(first));

    assertThat(authenticates(first)).isFalse();
    assertThat(authenticates(second)).isTrue();
  }

  @Test
  void wrongUsageExplainsItself() throws Exception {
    assertThat(admin("admin").status()).isEqualTo(2);
    assertThat(admin("admin", "create-key", "not-a-uuid").output()).contains("not a tenant id");
    assertThat(admin("admin", "frobnicate", "x").output()).contains("usage");
  }
}
