-- Tenants and their API keys. A key is stored only as the SHA-256 hex digest of the key itself
-- (core's ApiKeys.hash); the key is shown to its owner once and never reaches this database.

create table tenants (
  id         uuid        primary key,
  name       text        not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now()
);

create table api_keys (
  id             uuid        primary key,
  tenant_id      uuid        not null references tenants (id),
  -- Lower-case hex of SHA-256: anything else (such as a raw key) is refused.
  key_hash       text        not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  display_prefix text        not null check (length(display_prefix) between 1 and 20),
  created_at     timestamptz not null default now(),
  revoked_at     timestamptz
);

create index api_keys_tenant on api_keys (tenant_id);
