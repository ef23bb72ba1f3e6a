/** An error the CLI reports as one line on stderr (a JSON object with --json), with a non-zero exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The API's problem+json body, when the error is an API answer: --json passes it on whole. */
    readonly problem?: Record<string, unknown>,
    /**
     * What to do next, as one line for a person: asked only when the error is shown to one
     * (never with --json, whose readers get the problem alone), and only after the failure.
     */
    readonly next?: () => Promise<string | undefined>,
  ) {
    super(message);
  }
}
