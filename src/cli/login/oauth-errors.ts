/** An OAuth or openid-client error in one line: the IdP's error code and description, or the failed check. */
export function describeOAuthError(error: unknown): string {
  if (error && typeof error === 'object' && 'error' in error && typeof error.error === 'string') {
    const description =
      'error_description' in error && typeof error.error_description === 'string'
        ? `: ${error.error_description}`
        : '';
    return `the IdP said ${error.error}${description}`;
  }
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
