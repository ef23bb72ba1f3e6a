/**
 * `load` called once and its value shared, but only a success is kept: a failure (KMS
 * throttled, a network blip) is handed to the callers waiting on it and the next call tries
 * again, as smithy's memoize does. Concurrent callers share one attempt.
 */
export function memoizeSuccess<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
