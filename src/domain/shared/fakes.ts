/**
 * Test support for the in-memory fakes of every feature's ports (`<feature>/fakes.ts`).
 * Nothing under functions/ or the composition root imports a fakes file: a unit test
 * checks the imports and a package test checks the bundles.
 */

/** Failures to inject into a fake, one operation at a time, as a real adapter would throw them. */
export class Faults<Operation extends string> {
  private readonly queued = new Map<Operation, unknown[]>();

  /** The next `times` calls of `operation` throw `error`. */
  fail(operation: Operation, error: unknown = new Error(`${operation} failed`), times = 1): void {
    const queue = this.queued.get(operation) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.queued.set(operation, queue);
  }

  /** Called by a fake at the start of `operation`: throws the next injected failure, if any. */
  check(operation: Operation): void {
    const queue = this.queued.get(operation);
    if (!queue?.length) return;
    throw queue.shift();
  }
}

/** Ids that are predictable in assertions: `prefix-1`, `prefix-2`, … */
export function sequentialIds(prefix: string): () => string {
  let next = 0;
  return () => `${prefix}-${++next}`;
}
