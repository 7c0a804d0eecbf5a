-- Up Migration
-- What each item's running host activity is doing now (copying, hashing, verifying, reading back,
-- moving), written by the worker at most about once a second and read by `vaultarr items show`,
-- `items watch` and `GET /api/v1/items/:id`: live progress that does not wait for Temporal's
-- heartbeat throttle. One row per item, deleted when the activity ends. Unlogged: the rows are
-- rewritten every second and worth nothing after a crash, so they skip the write-ahead log.
CREATE UNLOGGED TABLE item_progress (
  workflow_id text PRIMARY KEY,
  activity text NOT NULL,
  activity_id text NOT NULL,
  attempt integer NOT NULL,
  phase text NOT NULL,
  bytes_done bigint NOT NULL,
  bytes_total bigint NOT NULL,
  file text,
  started_at timestamptz NOT NULL,
  phase_started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Down Migration
DROP TABLE item_progress;
