import type { Context } from 'hono';
import { InvalidRequestError } from '../domain/shared/errors.js';

/**
 * The one query rule of every route: each parameter at most once. A repeated parameter is
 * refused, not resolved to its first value, because a proxy, a WAF rule or a log reader may
 * take another one than credvend did, and then they disagree about what was asked.
 */
export function singleValuedQuery(c: Context): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (values.length > 1)
      throw new InvalidRequestError(`the query parameter ${name} is given more than once`);
    query[name] = values[0] ?? '';
  }
  return query;
}
