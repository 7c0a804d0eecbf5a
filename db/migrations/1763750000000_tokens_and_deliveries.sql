-- Up Migration
-- API tokens: only a sha256 of each token is stored; the token itself is shown once at creation.
CREATE TABLE api_tokens (
  id            serial PRIMARY KEY,
  name          text NOT NULL,
  token_hash    text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;

-- Webhook deliveries, keyed by a hash of the app and body: a redelivery is recognised and ignored.
CREATE TABLE webhook_deliveries (
  dedupe_key   text PRIMARY KEY,
  app          text NOT NULL,
  event_type   text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  summary      jsonb NOT NULL DEFAULT '{}'
);

-- Down Migration
DROP TABLE webhook_deliveries;
DROP TABLE api_tokens;
