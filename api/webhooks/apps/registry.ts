/**
 * The *arr apps that post webhooks to vaultarr, by the name in their route
 * (`/api/v1/webhooks/<app>`), and the interpretation of a webhook through its app's parsers. Adding
 * an app is its file (its schemas and a {@link WebhookApp}) and one line here.
 */
import { BaseEventSchema, problemsOf, type Interpretation, type WebhookApp } from './common.js';
import { lidarrWebhooks } from './lidarr.js';
import { radarrWebhooks } from './radarr.js';
import { readarrWebhooks } from './readarr.js';
import { sonarrWebhooks } from './sonarr.js';

const WEBHOOK_PARSERS = {
  radarr: radarrWebhooks,
  sonarr: sonarrWebhooks,
  lidarr: lidarrWebhooks,
  readarr: readarrWebhooks,
} satisfies Record<string, WebhookApp>;

/** One of {@link ARR_APPS}. */
export type ArrApp = keyof typeof WEBHOOK_PARSERS;
/** The *arr apps that post webhooks to vaultarr, in the order of the registry. */
export const ARR_APPS = Object.keys(WEBHOOK_PARSERS) as readonly ArrApp[];

/**
 * Interprets a webhook body of an *arr app.
 *
 * @param app - which app posted it (from the route)
 * @param body - the parsed JSON body
 * @returns `ok` with the event type and intents (none for events vaultarr only records, `test`
 *   for `Test`), or every problem as `path: message`
 */
export function interpretWebhook(app: ArrApp, body: unknown): Interpretation {
  const base = BaseEventSchema.safeParse(body);
  if (!base.success) return { ok: false, problems: problemsOf(base.error) };
  const eventType = base.data.eventType;
  const key = eventType.toLowerCase();
  if (key === 'test') return { ok: true, eventType, test: true, intents: [] };
  const parser = WEBHOOK_PARSERS[app][key];
  return parser ? parser(body, eventType) : { ok: true, eventType, test: false, intents: [] };
}
