-- Up Migration
-- What a token may do: `webhook:<app>` (that app's webhook route only), `items` (the items API:
-- approve, retry, skip, pin, evict, cancel), `peer` (the peer endpoint). Tokens made before scopes
-- keep `*` (everything) until they are revoked; new ones always name their scopes.
ALTER TABLE api_tokens ADD COLUMN scopes text[] NOT NULL DEFAULT '{*}';
ALTER TABLE api_tokens ALTER COLUMN scopes DROP DEFAULT;

-- Down Migration
ALTER TABLE api_tokens DROP COLUMN scopes;
