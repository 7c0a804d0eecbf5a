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

/**
 * Runs an entry point's main function with the one top-level catch: a {@link UserError} prints its
 * message and exits 1; any other error prints its stack and exits 1. Either goes through the one
 * redaction rule (`lib/secrets.ts`): no secret is printed.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof UserError) {
      process.stderr.write(redactText(`vaultarr: ${err.message}\n`));
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
