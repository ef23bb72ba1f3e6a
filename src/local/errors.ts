/** A local-stack problem the user can fix; its message is one line saying how. */
export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';
}
