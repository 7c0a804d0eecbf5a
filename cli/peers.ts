/**
 * `vaultarr peer add|list|remove` and `vaultarr hosts`: the mesh of vaultarr instances sharing
 * the vault, and the hosts running this instance's workers.
 */
import type { Command } from 'commander';
import { loadConfig } from '../lib/config.js';
import { endpoints } from '../lib/endpoints.js';
import { UserError } from '../lib/errors.js';
import { listHosts } from '../lib/hosts.js';
import { addPeer, listPeers, removePeer, shownPeerUrl, validatePeerInput } from '../lib/peers.js';
import { connectClient } from '../lib/temporal.js';
import { out, withDb } from './manage.js';

/**
 * Checks that a peer answers and accepts the token as a peer token (`GET /api/v1/peers/ping`,
 * which needs the `peer` scope).
 *
 * @returns `ok`, `unreachable: <why>`, or `unexpected answer: HTTP <status>`
 * @throws UserError when the peer refuses the token (401) or it is not a peer token (403)
 */
async function checkPeer(url: string, token: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, '')}/api/v1/peers/ping`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    return `unreachable: ${(err as Error).message}`;
  }
  if (res.status === 401)
    throw new UserError(
      `the peer at ${url} refused the token: use a token the peer created with \`vaultarr token create --scope peer\``,
    );
  if (res.status === 403)
    throw new UserError(
      `the peer at ${url} knows the token but it is not a peer token: ask for one made with \`vaultarr token create --name <you> --scope peer\``,
    );
  return res.ok ? 'ok' : `unexpected answer: HTTP ${res.status}`;
}

/** Registers `peer` and `hosts` on the program. */
export function registerPeerCommands(program: Command): void {
  const peer = program
    .command('peer')
    .description('other vaultarr instances that share the vault: each gets every item we import');
  peer
    .command('add <name> <url>')
    .description('add (or update) a peer: its API URL and a token it created for us')
    .requiredOption('--token <token>', 'a token the peer created with `vaultarr token create --scope peer`')
    .option('--no-check', 'do not contact the peer now (it may be offline)')
    .action(async (name: string, url: string, opts: { token: string; check: boolean }) => {
      validatePeerInput({ name, url, token: opts.token });
      const check = opts.check ? await checkPeer(url, opts.token) : 'not checked';
      const added = await withDb((pool) => addPeer(pool, { name, url, token: opts.token }));
      out(
        `peer "${added.name}" at ${added.url} added (${check === 'ok' ? 'reachable, token accepted' : check})`,
      );
      if (check.startsWith('unreachable'))
        out('deliveries to it are retried until it is back (peers.deliveryRetryDays)');
    });
  peer
    .command('list')
    .description('list peers (never their tokens)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const peers = (await withDb((pool) => listPeers(pool))).map(({ token: _t, ...p }) => ({
        ...p,
        url: shownPeerUrl(p.url),
      }));
      if (opts.json) return out(JSON.stringify(peers, null, 2));
      out(
        peers.length
          ? peers
              .map((p) => `${p.name.padEnd(20)} ${p.url}  added ${new Date(p.createdAt).toISOString()}`)
              .join('\n')
          : 'no peers',
      );
    });
  peer
    .command('remove <name>')
    .description('remove a peer; deliveries still pending for it end without sending')
    .action(async (name: string) => {
      await withDb((pool) => removePeer(pool, name));
      out(`removed peer "${name}"`);
    });

  program
    .command('hosts')
    .description("list the hosts running this instance's workers, with the last poll of their task queue")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const ep = endpoints(config);
      const client = await connectClient(ep.temporalAddress, config.temporal.namespace);
      try {
        const hosts = await withDb((pool) => listHosts(pool, client, config.temporal.namespace));
        if (opts.json) return out(JSON.stringify(hosts, null, 2));
        out(
          hosts.length
            ? hosts
                .map(
                  (h) =>
                    `${h.hostId.padEnd(20)} ${h.online ? 'online ' : 'OFFLINE'}  last poll ${h.lastPollAt ?? 'never'}  ${h.itemsInFlight} in flight  ${h.localRoot ?? ''}`,
                )
                .join('\n')
            : 'no hosts yet (start `vaultarr worker` on one)',
        );
      } finally {
        await client.connection.close();
      }
    });
}
