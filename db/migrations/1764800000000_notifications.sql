-- Up Migration
-- Notifications (Apprise): one row per event, keyed by its idempotency key, so each event is sent
-- at most once. An event stays open (resolved_at NULL) while its condition lasts: an item parked
-- again for the same reason before it came to rest, a host still offline, finds the open row and
-- sends nothing new.
CREATE TABLE notifications (
  key          text PRIMARY KEY,             -- <event>:<subject>:<what opened it>
  event        text NOT NULL,                -- needs-attention | awaiting-approval | host-offline | peer-unreachable | daily-digest
  subject      text NOT NULL,                -- workflow ID, host ID, peer name or the digest's day
  title        text NOT NULL,
  body         text NOT NULL,
  -- What the condition is (an item's failed stage and reason): the same again while open is no news.
  fingerprint  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  resolved_at  timestamptz
);
CREATE UNIQUE INDEX notifications_open ON notifications (event, subject) WHERE resolved_at IS NULL;

-- Down Migration
DROP TABLE notifications;
