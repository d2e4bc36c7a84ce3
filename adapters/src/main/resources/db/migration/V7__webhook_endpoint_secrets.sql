-- Webhook signing secrets get a row each, so a rotation can keep the previous secret valid for a
-- grace period: a delivery is signed with every secret valid when it is claimed
-- (now < expires_at, or no expiry), Standard Webhooks' multi-signature.

create table webhook_endpoint_secrets (
  id            bigserial   primary key,
  endpoint_id   uuid        not null references webhook_endpoints (id),
  -- Sealed by core's SecretSealer ("v1:" + base64 of IV and AES-GCM ciphertext); a clear whsec_
  -- secret is refused.
  sealed_secret text        not null check (sealed_secret ~ '^v[0-9]+:'),
  created_at    timestamptz not null,
  -- Null for the current secret; a rotation sets it on the ones it replaces.
  expires_at    timestamptz
);

create index webhook_endpoint_secrets_endpoint on webhook_endpoint_secrets (endpoint_id);

-- Existing secrets move over as they were: all valid, with no expiry.
insert into webhook_endpoint_secrets (endpoint_id, sealed_secret, created_at)
select e.id, s.secret, e.created_at
from webhook_endpoints e
cross join lateral unnest(e.sealed_secrets) with ordinality as s (secret, n)
order by e.id, s.n;

-- The array is no longer read (claims read webhook_endpoint_secrets); endpoints created through
-- the API leave it null, and deleting an endpoint clears it.
alter table webhook_endpoints alter column sealed_secrets drop not null;
comment on column webhook_endpoints.sealed_secrets is
  'Superseded by webhook_endpoint_secrets (V7) and no longer read; to be dropped.';

alter table webhook_endpoints
  add column description text check (char_length(description) <= 500);

-- The API's listing and per-tenant count include disabled endpoints (not only enabled ones, which
-- webhook_endpoints_tenant covers).
create index webhook_endpoints_tenant_created on webhook_endpoints (tenant_id, created_at, id);
