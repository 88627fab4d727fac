/**
 * One error type for everything a user can cause (bad file, bad field, bad shape): the CLI prints its
 * message on one line and exits with code 2. Programming errors stay plain Errors and exit 1.
 */
export class UserError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}

/**
 * A model produced NaN or Inf where a result needs finite values (CLEVER's gradients, say): the model's
 * fault, not a bug. The CLI reports it like a user error; a study records the unit as failed with this
 * message as the reason and goes on with the other units.
 */
export class NonFiniteError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

/** Message of any thrown value, for wrapping a library error into a UserError that names the file. */
export function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0]!.trim();
}
