-- Jobs, range-partitioned by created_at, one partition per calendar month (UTC), named
-- jobs_YYYY_MM. A job id is a UUIDv7 whose millisecond timestamp IS created_at, so every lookup
-- by id also filters on created_at and touches a single partition.
--
-- There is deliberately no DEFAULT partition: a row must land in a real month. Partitions are
-- created ahead of time by conveyor_ensure_job_partitions(), which the sync function calls on a
-- schedule; inserting into a month that has no partition fails loudly.

create table jobs (
  id              uuid        not null,
  tenant_id       uuid        not null references tenants (id),
  type            text        not null,
  tier            text        not null check (tier in ('critical', 'standard', 'background')),
  state           text        not null
                  check (state in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  attempt         int         not null default 0 check (attempt >= 0),
  spec            jsonb       not null,
  result          jsonb,
  failure_code    text,
  failure_message text,
  last_error      text,
  correlation_id  text,
  created_at      timestamptz not null,
  updated_at      timestamptz not null,
  started_at      timestamptz,
  finished_at     timestamptz,
  lease_until     timestamptz,
  primary key (id, created_at),
  check ((failure_code is null) = (failure_message is null)),
  check (state <> 'succeeded' or failure_code is null),
  check (state <> 'failed' or failure_code is not null)
) partition by range (created_at);

-- The listing API: a tenant's jobs, newest first, keyset-paginated on (created_at, id).
create index jobs_tenant_created on jobs (tenant_id, created_at desc, id desc);

-- The reconciler: running jobs whose lease has run out, and jobs queued for too long.
create index jobs_running_lease on jobs (lease_until) where state = 'running';
create index jobs_queued_created on jobs (created_at) where state = 'queued';

-- Creates the monthly partitions of jobs that do not exist yet, from months_back months before
-- the current month (UTC) through months_ahead months after it, and returns how many it created.
-- Safe to call concurrently and repeatedly: an existing partition is left alone, and takes no lock.
-- Creating a partition briefly locks jobs against writes; lock_timeout (set for this function's
-- execution only, not for the session) bounds the wait, so a busy table fails this call (to be
-- retried on the next schedule) instead of queueing every insert behind it.
create function conveyor_ensure_job_partitions(months_ahead int, months_back int default 0)
returns int
language plpgsql
set lock_timeout = '10s'
as $$
declare
  this_month timestamp := date_trunc('month', now() at time zone 'UTC');
  month_start timestamp;
  partition_name text;
  created int := 0;
begin
  if months_ahead is null or months_ahead < 0 or months_ahead > 120 then
    raise exception 'months_ahead must be between 0 and 120, got %', months_ahead;
  end if;
  if months_back is null or months_back < 0 or months_back > 120 then
    raise exception 'months_back must be between 0 and 120, got %', months_back;
  end if;
  for i in -months_back .. months_ahead loop
    month_start := this_month + make_interval(months => i);
    partition_name := 'jobs_' || to_char(month_start, 'YYYY_MM');
    if to_regclass(format('%I.%I', current_schema(), partition_name)) is null then
      begin
        execute format(
          'create table %I.%I partition of %I.jobs for values from (%L) to (%L)',
          current_schema(), partition_name, current_schema(),
          (month_start at time zone 'UTC'),
          ((month_start + interval '1 month') at time zone 'UTC'));
        created := created + 1;
      exception
        -- Another session created it between our check and our create.
        when duplicate_table or unique_violation then
          null;
      end;
    end if;
  end loop;
  return created;
end;
$$;

-- The current month, the one before (a job id minted just before midnight UTC on the last day of
-- a month must still find its partition), and three months ahead.
select conveyor_ensure_job_partitions(3, 1);
