package dev.conveyor.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.postgres.Database;
import dev.conveyor.adapters.postgres.DatabaseSettings;
import dev.conveyor.adapters.postgres.PostgresTenantAdmin;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import dev.conveyor.core.tenant.ApiKeys;
import dev.conveyor.core.tenant.Tenant;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code ./conveyor admin …}: tenant and API-key chores for ops.
 *
 * <p>It talks to the database named by the environment — {@code DB_URL} with {@code DB_USER} and
 * {@code DB_PASSWORD}, or with {@code DB_SECRET_ID} (and {@code AWS_REGION}) as the functions do on
 * AWS — or, when no {@code DB_URL} is set, to the stack {@code ./conveyor serve} is running
 * (through {@code .conveyor/local.json}). Keys are shown once and stored only as hashes.
 */
final class AdminCommand {
  static final String USAGE =
      """
      usage: ./conveyor admin create-tenant NAME     a tenant and its first API key
             ./conveyor admin create-key TENANT_ID   another API key for a tenant
             ./conveyor admin revoke-key API_KEY     revoke a key (or give its SHA-256 hex)\
      """;

  private final PrintStream out;
  private final Path stateDir;

  AdminCommand(PrintStream out, Path stateDir) {
    this.out = out;
    this.stateDir = stateDir;
  }

  int run(String[] args) throws IOException {
    if (args.length != 3) {
      out.println(USAGE);
      return 2;
    }
    try (Connection db = connect()) {
      PostgresTenantAdmin admin = new PostgresTenantAdmin(db.dataSource());
      switch (args[1]) {
        case "create-tenant" -> {
          Tenant tenant = admin.createTenant(args[2]);
          out.println("tenant  " + tenant.id() + " (" + tenant.name() + ")");
          out.println("API key " + newKey(admin, tenant.id()) + "   (shown once: store it now)");
        }
        case "create-key" -> {
          TenantId tenant;
          try {
            tenant = TenantId.of(args[2]);
          } catch (IllegalArgumentException e) {
            out.println("not a tenant id: " + args[2]);
            return 2;
          }
          out.println("API key " + newKey(admin, tenant) + "   (shown once: store it now)");
        }
        case "revoke-key" -> {
          String hash = args[2].matches("[0-9a-f]{64}") ? args[2] : ApiKeys.hash(args[2]);
          if (!admin.revokeApiKey(hash, Instant.now())) {
            out.println("no active key matches");
            return 1;
          }
          out.println("revoked (warm containers may accept it for up to TENANT_CACHE_SECONDS)");
        }
        default -> {
          out.println(USAGE);
          return 2;
        }
      }
      return 0;
    }
  }

  private static String newKey(PostgresTenantAdmin admin, TenantId tenant) {
    String key = ApiKeys.generate();
    admin.addApiKey(tenant, ApiKeys.hash(key), ApiKeys.displayPrefix(key));
    return key;
  }

  /** The database connection, and whatever must be closed with it. */
  private record Connection(javax.sql.DataSource dataSource, AutoCloseable owner)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        owner.close();
      } catch (Exception e) {
        // Closing a pool at exit: nothing useful to do with a failure.
      }
    }
  }

  private Connection connect() throws IOException {
    Env env = Env.system();
    if (env.optional("DB_URL").isPresent()) {
      if (env.optional("DB_SECRET_ID").isPresent()) {
        Infrastructure infra = Infrastructure.fromEnvironment(env);
        return new Connection(infra.dataSource(), infra);
      }
      HikariDataSource pool = Database.pool(DatabaseSettings.fromEnvironment(env.asFunction()));
      return new Connection(pool, pool);
    }
    Path local = stateDir.resolve("local.json");
    if (!Files.exists(local)) {
      throw new IllegalStateException(
          "set DB_URL (and DB_USER/DB_PASSWORD or DB_SECRET_ID), or start ./conveyor serve");
    }
    JsonNode state = Json.parseTrusted(Files.readString(local));
    Map<String, String> settings = new HashMap<>();
    settings.put("DB_URL", state.path("jdbcUrl").asText());
    settings.put("DB_USER", state.path("dbUser").asText());
    settings.put("DB_PASSWORD", state.path("dbPassword").asText());
    settings.put("DB_MAX_CONNECTIONS", "1");
    HikariDataSource pool = Database.pool(DatabaseSettings.fromEnvironment(settings::get));
    return new Connection(pool, pool);
  }
}
