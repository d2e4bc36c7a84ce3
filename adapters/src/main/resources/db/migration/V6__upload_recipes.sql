-- Uploads that trigger jobs, and presigned URLs bound to a size.
--
-- content_length: the size the tenant declared, signed into the presigned PUT (S3 refuses another
--   length). Null only for uploads created before it was required.
-- recipe: the job to create once the object lands (a job body without its source, validated as
--   POST /v1/jobs validates one). job_id: that job, set in the same transaction that moves the
--   upload to 'received' (and inserts the job and its outbox row), so a repeated or concurrent S3
--   event creates no second job. No foreign key: jobs' key is (id, created_at) on a partitioned
--   table, and the id carries created_at.
-- 'rejected': S3 reported an object the upload does not allow (rejected_reason, e.g. 'too-large');
--   no job is created.

alter table uploads
  add column content_length  bigint check (content_length > 0),
  add column recipe          jsonb check (recipe is null or jsonb_typeof(recipe) = 'object'),
  add column job_id          uuid,
  add column rejected_reason text;

alter table uploads drop constraint uploads_state_check;
alter table uploads
  add constraint uploads_state_check check (state in ('pending', 'received', 'rejected'));

alter table uploads
  add constraint uploads_rejected_has_reason
    check ((state = 'rejected') = (rejected_reason is not null)),
  add constraint uploads_rejected_has_size
    check (state <> 'rejected' or (size is not null and received_at is not null)),
  add constraint uploads_job_from_recipe
    check (job_id is null or (recipe is not null and state = 'received')),
  add constraint uploads_received_recipe_has_job
    check (state <> 'received' or recipe is null or job_id is not null);

create unique index uploads_job on uploads (job_id) where job_id is not null;
