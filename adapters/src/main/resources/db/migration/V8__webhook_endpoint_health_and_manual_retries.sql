-- Webhook endpoint health, manual retries of failed deliveries, and the delivery log's listing.
--
-- failing_since: when the endpoint's current run of failed attempts began; null while its latest
--   attempt succeeded (or it has had none). A success clears it; after
--   WEBHOOK_DISABLE_AFTER_FAILING_HOURS of nothing but failures the endpoint is disabled with
--   reason 'failing'.
-- disabled_at: when it was disabled; null while enabled, and for endpoints disabled before V8.
-- disabled_reason: 'gone' (the receiver answered 410 Gone; 'endpoint-gone' before V8), 'failing',
--   'deleted' (by its tenant), or an operator's words. Enabling clears it.

alter table webhook_endpoints
  add column failing_since timestamptz,
  add column disabled_at   timestamptz;

update webhook_endpoints set disabled_reason = 'gone' where disabled_reason = 'endpoint-gone';

alter table webhook_endpoints
  add constraint webhook_endpoints_disabled_has_reason check (enabled or disabled_reason is not null);

-- attempts_before_retry: the attempts made before the tenant's latest manual retry (POST
--   /v1/deliveries/{id}/retry), 0 if none. A retry gives the delivery a fresh attempt budget: the
--   retry schedule counts attempt - attempts_before_retry, while attempt numbers keep growing, so
--   delivery_attempts keeps every attempt.

alter table deliveries
  add column attempts_before_retry int not null default 0,
  add constraint deliveries_attempts_before_retry_range
    check (attempts_before_retry between 0 and attempt);

-- An endpoint's deliveries, newest first, keyset-paginated on (created_at, id).
create index deliveries_endpoint_created_id on deliveries (endpoint_id, created_at desc, id desc);
drop index deliveries_endpoint_created;
