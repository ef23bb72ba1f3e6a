/** An error the CLI reports as one line on stderr (a JSON object with --json), with a non-zero exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The API's problem+json body, when the error is an API answer: --json passes it on whole. */
    readonly problem?: Record<string, unknown>,
  ) {
    super(message);
  }
}
