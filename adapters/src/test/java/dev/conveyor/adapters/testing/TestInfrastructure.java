package dev.conveyor.adapters.testing;

import dev.conveyor.adapters.Infrastructure;
import dev.conveyor.adapters.config.Env;
import dev.conveyor.adapters.local.LocalResources;
import dev.conveyor.adapters.local.LocalTenants;
import dev.conveyor.adapters.postgres.Database;
import dev.conveyor.core.upload.Upload;
import dev.conveyor.emulators.EmbeddedServices;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Real adapters over the JVM's shared emulators, for tests: each call provisions its own queues,
 * buckets and secrets under a fresh prefix (so test classes never see each other's messages) on a
 * migrated database. Published in this module's test-jar.
 */
public final class TestInfrastructure {
  private TestInfrastructure() {}

  /** What a test gets: the function environment and the adapters built from it. */
  public record Provisioned(String prefix, Map<String, String> env, Infrastructure infra)
      implements AutoCloseable {
    public LocalTenants.LocalTenant tenant(String name) {
      return new LocalTenants(infra.tenantAdmin(), infra.sealer()).create(name, Optional.empty());
    }

    public LocalTenants.LocalTenant tenantWithWebhook(String name, URI url) {
      return new LocalTenants(infra.tenantAdmin(), infra.sealer()).create(name, Optional.of(url));
    }

    /**
     * An upload whose file is already in S3 (its event not yet processed), as after the client's
     * presigned PUT.
     *
     * @return the upload id, to use as a job's source
     */
    public UUID uploadedSource(LocalTenants.LocalTenant owner, byte[] content, String contentType) {
      Instant now = Instant.now();
      UUID id = UUID.randomUUID();
      String bucket = env.get("UPLOADS_BUCKET");
      String key = Upload.objectKey(owner.tenant().id(), id);
      infra
          .uploadStore()
          .create(
              new Upload(
                  id,
                  owner.tenant().id(),
                  bucket,
                  key,
                  contentType,
                  Upload.State.PENDING,
                  null,
                  now,
                  now.plusSeconds(900),
                  null,
                  (long) content.length,
                  null,
                  null,
                  null));
      infra.blobStore().put(bucket, key, content, contentType, Map.of());
      return id;
    }

    @Override
    public void close() {
      infra.close();
    }
  }

  public static Provisioned provision() {
    EmbeddedServices services = EmbeddedServices.shared();
    String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> env =
        LocalResources.provision(
            new LocalResources.Endpoints(
                services.region(),
                services.accessKeyId(),
                services.secretAccessKey(),
                services.sqsEndpoint(),
                services.s3Endpoint(),
                services.dynamoDbEndpoint(),
                services.secretsManagerEndpoint(),
                services.jdbcUrl(),
                services.dbUser(),
                services.dbPassword()),
            prefix,
            services::putSecret);
    Infrastructure infra = Infrastructure.fromEnvironment(Env.of(env));
    Database.migrate(infra.dataSource());
    return new Provisioned(prefix, env, infra);
  }
}
