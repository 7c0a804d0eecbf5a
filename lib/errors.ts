import { redactText } from './secrets.js';

/**
 * An error the user can fix (bad config, bad argument). Entry points print its message as a
 * sentence and exit 1; anything else prints its stack.
 */
export class UserError extends Error {
  /** @param problems - every problem found, each `path: message`; joined into the message. */
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message);
    this.name = 'UserError';
  }
}

/** SQLSTATEs that say the server went away: class 08 (connection exception), 57P01-57P03 (shutdown, crash, starting). */
const UNAVAILABLE_SQLSTATE = /^(08\d{3}|57P0[1-3])$/;

/**
 * A sentence for an error that says the database cannot be reached or went away: what a command
 * line prints instead of a stack.
 *
 * @returns the sentence, or `undefined` for any other error (a bad query, a constraint)
 */
export function databaseUnavailable(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, syscall } = err as { code?: string; syscall?: string };
  const gone =
    (code !== undefined && UNAVAILABLE_SQLSTATE.test(code)) ||
    // A socket that could not connect (ECONNREFUSED; ENOENT for a missing Unix socket) or broke.
    syscall === 'connect' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    /Connection terminated|terminating connection|the database system is (starting up|shutting down|in recovery)/i.test(
      err.message,
    );
  if (!gone) return undefined;
  return `the database is not reachable (${err.message}): is Postgres running? "vaultarr start" runs and restarts the embedded one; otherwise check DATABASE_URL`;
}

/**
 * Runs an entry point's main function with the one top-level catch: a {@link UserError} prints its
 * message and exits 1, and so does a database that cannot be reached or went away
 * ({@link databaseUnavailable}'s sentence); any other error prints its stack and exits 1. Either
 * goes through the one redaction rule (`lib/secrets.ts`): no secret is printed.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const sentence = err instanceof UserError ? err.message : databaseUnavailable(err);
    if (sentence) {
      process.stderr.write(redactText(`vaultarr: ${sentence}\n`));
    } else {
      process.stderr.write(
        redactText(
          `vaultarr: unexpected error\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
        ),
      );
    }
    process.exit(1);
  });
}
