import { ConflictError, NotFoundError } from './errors.js';

/**
 * Optimistic concurrency for admin-managed records (entitlements, requestable access): a
 * create names no version and finds nothing there; a replace or a delete names the version
 * it read (If-Match), so an admin never overwrites a change they have not seen.
 */
export function checkIfMatch(
  label: string,
  current: { version: number } | undefined,
  ifMatchVersion: number | undefined,
  change: 'replace' | 'delete',
): void {
  if (!current) {
    if (change === 'delete' || ifMatchVersion !== undefined) throw new NotFoundError(`no ${label}`);
    return;
  }
  if (ifMatchVersion === undefined) {
    throw new ConflictError(`${label} exists: send If-Match with its ETag to ${change} it`);
  }
  if (current.version !== ifMatchVersion) {
    throw new ConflictError(`${label} is at version ${current.version}, not ${ifMatchVersion}`);
  }
}
