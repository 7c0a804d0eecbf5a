-- Up Migration
-- Webhook deliveries become an outbox: the API answers once a delivery is recorded here, and its
-- forwarder starts or signals the workflows afterwards (a delivery that arrives while Temporal is
-- down waits here instead of being lost: the *arr apps never send a webhook twice).
CREATE SEQUENCE webhook_deliveries_seq;
ALTER TABLE webhook_deliveries
  -- Order of arrival: a delivery accepted again after the dedupe window takes a new place.
  ADD COLUMN seq bigint NOT NULL DEFAULT nextval('webhook_deliveries_seq'),
  -- What to do: the delivery's ID, host, task queue and its intents, paths mapped and checked.
  ADD COLUMN plan jsonb,
  -- The movie, series, artist or author folders it touches: deliveries sharing one go in order.
  ADD COLUMN keys text[] NOT NULL DEFAULT '{}',
  ADD COLUMN forwarded_at timestamptz,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- A forwarder working on it until then (another one takes it over after).
  ADD COLUMN claimed_until timestamptz,
  ADD COLUMN last_error text;
-- Deliveries recorded before this migration were forwarded while their request was answered.
UPDATE webhook_deliveries SET forwarded_at = received_at;
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (seq) WHERE forwarded_at IS NULL;

-- Down Migration
DROP INDEX webhook_deliveries_pending;
ALTER TABLE webhook_deliveries
  DROP COLUMN seq, DROP COLUMN plan, DROP COLUMN keys, DROP COLUMN forwarded_at, DROP COLUMN attempts,
  DROP COLUMN next_attempt_at, DROP COLUMN claimed_until, DROP COLUMN last_error;
DROP SEQUENCE webhook_deliveries_seq;
