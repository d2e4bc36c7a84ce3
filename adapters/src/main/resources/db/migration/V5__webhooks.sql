-- Webhook endpoints, deliveries (one per job event and subscribed endpoint) and the log of every
-- delivery attempt.

create table webhook_endpoints (
  id              uuid        primary key,
  tenant_id       uuid        not null references tenants (id),
  url             text        not null,
  event_types     text[]      not null check (cardinality(event_types) >= 1),
  -- Signing secrets sealed by core's SecretSealer (AES-GCM); several during a rotation.
  sealed_secrets  text[]      not null check (cardinality(sealed_secrets) >= 1),
  enabled         boolean     not null default true,
  disabled_reason text,
  created_at      timestamptz not null default now()
);

create index webhook_endpoints_tenant on webhook_endpoints (tenant_id) where enabled;

create table deliveries (
  id              uuid        primary key,
  tenant_id       uuid        not null references tenants (id),
  -- jobs is partitioned (its key is (id, created_at)), so this is not a foreign key.
  job_id          uuid        not null,
  endpoint_id     uuid        not null references webhook_endpoints (id),
  event_type      text        not null,
  -- The exact bytes signed and sent, the same on every attempt.
  payload         text        not null,
  state           text        not null
                  check (state in ('pending', 'delivering', 'succeeded', 'failed')),
  attempt         int         not null default 0 check (attempt >= 0),
  next_attempt_at timestamptz,
  lease_until     timestamptz,
  last_status     int,
  failure_reason  text,
  correlation_id  text,
  created_at      timestamptz not null,
  updated_at      timestamptz not null,
  check (state <> 'failed' or failure_reason is not null)
);

create index deliveries_job on deliveries (job_id);
create index deliveries_endpoint_created on deliveries (endpoint_id, created_at desc);
-- The reconciler: deliveries due again, or whose worker's lease ran out.
create index deliveries_pending_due on deliveries (next_attempt_at) where state = 'pending';
create index deliveries_delivering_lease on deliveries (lease_until) where state = 'delivering';

create table delivery_attempts (
  delivery_id   uuid        not null references deliveries (id),
  attempt       int         not null check (attempt >= 1),
  at            timestamptz not null,
  -- The HTTP status, or null when no response arrived (see error_class).
  status        int,
  latency_ms    bigint      not null check (latency_ms >= 0),
  -- The start of the response body, at most 4 KiB of UTF-8.
  response_body text        check (octet_length(response_body) <= 4096),
  error_class   text,
  primary key (delivery_id, attempt)
);
