-- Up Migration
-- The catalog: a projection of the workflows' state, written by activities only.
CREATE TABLE media_items (
  workflow_id     text PRIMARY KEY,              -- media:<sha1>, the item's Temporal workflow ID
  host_id         text NOT NULL,                 -- host whose .Local holds the file
  release_name    text,                          -- as it arrived in Incoming/, when it did
  library_path    text,                          -- library-relative path of the video (or Unsorted/ entry)
  subtitle_paths  text[] NOT NULL DEFAULT '{}',
  kind            text NOT NULL DEFAULT 'unknown',  -- movie | episode | unknown
  title           text,                          -- movie title or series name
  year            integer,
  season          integer,
  episodes        integer[],
  stage           text NOT NULL,
  reason          text,                          -- why it waits, when it does
  size_bytes      bigint,
  mtime           timestamptz,
  sha256          text,                          -- of the local file, hex
  verified_by     text,                          -- method of the last successful verification
  vault_value     text,                          -- the remote's hash or modtime that matched
  vaulted_at      timestamptz,
  last_access_at  timestamptz,
  pinned          boolean NOT NULL DEFAULT false,
  evicted_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_items_library_path ON media_items (library_path);
CREATE INDEX media_items_stage ON media_items (stage);
CREATE INDEX media_items_host_lru ON media_items (host_id, last_access_at) WHERE stage = 'resident' AND NOT pinned;

CREATE TABLE events (
  id           bigserial PRIMARY KEY,
  workflow_id  text NOT NULL REFERENCES media_items (workflow_id) ON DELETE CASCADE,
  -- Idempotency key of the activity that wrote it: a retried activity never appends twice.
  dedupe_key   text NOT NULL UNIQUE,
  stage        text NOT NULL,
  outcome      text NOT NULL,
  details      jsonb NOT NULL DEFAULT '{}',
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_workflow ON events (workflow_id, at);

-- Down Migration
DROP TABLE events;
DROP TABLE media_items;
