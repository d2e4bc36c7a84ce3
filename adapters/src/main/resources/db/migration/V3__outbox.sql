-- The transactional outbox: a row is written in the same transaction as the state change it
-- announces (a new job, a new webhook delivery) and marked sent once its SQS message is out. The
-- sync relay sends rows left unsent for more than a few seconds.

create table outbox (
  id             bigserial   primary key,
  tier           text        not null check (tier in ('critical', 'standard', 'background')),
  kind           text        not null check (kind in ('job', 'delivery')),
  subject_id     uuid        not null,
  tenant_id      uuid        not null,
  correlation_id text,
  created_at     timestamptz not null,
  sent_at        timestamptz
);

-- The relay's query: the oldest unsent rows. Stays small because sent rows drop out of it.
create index outbox_unsent on outbox (created_at) where sent_at is null;
