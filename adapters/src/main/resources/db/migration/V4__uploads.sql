-- Files tenants PUT straight to S3 through presigned URLs. S3's "object created" event moves an
-- upload from pending to received (idempotently: events may arrive twice).

create table uploads (
  id           uuid        primary key,
  tenant_id    uuid        not null references tenants (id),
  bucket       text        not null,
  object_key   text        not null unique,
  content_type text        not null,
  state        text        not null default 'pending' check (state in ('pending', 'received')),
  size         bigint      check (size >= 0),
  created_at   timestamptz not null,
  expires_at   timestamptz not null,
  received_at  timestamptz,
  check (state <> 'received' or (size is not null and received_at is not null))
);

create index uploads_tenant_created on uploads (tenant_id, created_at desc);
