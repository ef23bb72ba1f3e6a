import type { Context } from 'hono';
import type { RequestContext } from '../domain/shared/types.js';
import type { AppEnv } from './app-env.js';

export type SourceIpResolver = (c: Context<AppEnv>) => string | undefined;

/** The transport facts an audit record keeps about a request. */
export function requestContextOf(c: Context<AppEnv>, sourceIp: SourceIpResolver): RequestContext {
  const context: RequestContext = { requestId: c.get('requestId') };
  const ip = sourceIp(c);
  if (ip) context.sourceIp = ip;
  const userAgent = c.req.header('user-agent');
  if (userAgent) context.userAgent = userAgent;
  return context;
}
