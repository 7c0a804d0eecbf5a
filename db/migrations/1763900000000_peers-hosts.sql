-- Up Migration
-- Peers: other vaultarr instances sharing the vault. The token is one the peer created for us
-- (`vaultarr token create` on the peer) and must be sent as is, so it is stored as given.
CREATE TABLE peers (
  name        text PRIMARY KEY,
  url         text NOT NULL,
  token       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Notifications received from peers: the highest sequence applied per (sender, item), so a
-- redelivered or stale notification is recognised and applied once only.
CREATE TABLE peer_receipts (
  sender      text NOT NULL,             -- name of the token the peer authenticated with
  item_id     text NOT NULL,             -- the sender's item (workflow ID)
  last_seq    integer NOT NULL,
  library_path text NOT NULL,
  outcome     jsonb NOT NULL DEFAULT '{}',
  applied_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sender, item_id)
);

-- Hosts whose workers have started at least once (`vaultarr hosts` adds Temporal's poller times).
CREATE TABLE hosts (
  host_id          text PRIMARY KEY,
  local_root       text NOT NULL,
  first_seen_at    timestamptz NOT NULL DEFAULT now(),
  last_started_at  timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE hosts;
DROP TABLE peer_receipts;
DROP TABLE peers;
