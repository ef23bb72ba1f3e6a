import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import openApiDocument from '../../openapi.json' with { type: 'json' };
import type { AuthMethod } from '../auth/auth-method.js';
import { activityOfIssuances } from '../domain/activity/activity.js';
import type { ActivityReader, GrantIssuances } from '../domain/activity/ports.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { AuditReader } from '../domain/audit/query.js';
import { type DigestAnchoring, verifyAuditRange } from '../domain/audit/verification.js';
import type { PrivilegedAccess } from '../domain/identity/privileged-access.js';
import type { Clock } from '../domain/shared/clock.js';
import { InvalidRequestError, NotFoundError } from '../domain/shared/errors.js';
import { EVENT_ID_PATTERN } from '../domain/shared/ids.js';
import { describeError, type Logger } from '../logging.js';
import { type ActivityWire, activityQueryWire } from '../wire/activity.js';
import { MAX_PAGE_SIZE } from '../wire/audit.js';
import type { AppEnv } from './app-env.js';
import { type HotWindow, parseAuditQuery, parseVerifyQuery } from './audit-query-schema.js';
import {
  exportFailureLine,
  toAccessKeyIssuanceWire,
  toAuditEventWire,
  toAuditPageWire,
  toExportLines,
  toVerificationReportWire,
} from './audit-view.js';
import { authenticate } from './authenticate.js';
import { errorHandler, notFound, requestId, securityHeaders } from './middleware.js';
import { singleValuedQuery } from './query.js';
import { requestContextOf, type SourceIpResolver } from './request-context.js';

function parseActivityQuery(query: Record<string, string>) {
  const parsed = activityQueryWire.safeParse(query);
  if (!parsed.success) throw new InvalidRequestError(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

/** Wire by allow-list: the domain shape has exactly the wire's fields today, and this keeps it so. */
function toActivityWire(activity: Awaited<ReturnType<typeof activityOfIssuances>>): ActivityWire {
  return { issuances: activity.issuances, records: activity.records, truncated: activity.truncated };
}

/** AWS access key ids: 16-128 characters, upper-case letters and digits (ASIA… for STS sessions). */
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;

export interface AuditAppDependencies {
  reader: AuditReader;
  access: PrivilegedAccess;
  authMethods: readonly AuthMethod[];
  clock: Clock;
  logger: Logger;
  sourceIp: SourceIpResolver;
  /** Signed digests to verify against; absent, verify checks chain links only. */
  anchoring?: DigestAnchoring;
  /** The table's hot window; absent, records never leave the table. */
  hotWindow?: HotWindow;
  /** CloudTrail activity of issued sessions; absent, the activity routes answer 404. */
  activity?: { store: ActivityReader; grants: GrantIssuances };
}

/** The audit function: read-only queries for callers holding the auditor role. */
export function createAuditApp(deps: AuditAppDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId, securityHeaders);
  app.onError(errorHandler(deps.logger));
  app.notFound(notFound);

  // The committed document (generated from the route table and the wire schemas), public like the API's shape.
  app.get('/openapi.json', (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json(openApiDocument);
  });

  const audit = new Hono<AppEnv>();
  audit.use(authenticate(deps.authMethods, undefined, deps.sourceIp), async (c, next) => {
    await deps.access.require(c.get('caller'), 'auditor', 'audit.read', requestContextOf(c, deps.sourceIp));
    await next();
  });

  audit.get('/events', async (c) => {
    const { request, format } = parseAuditQuery(singleValuedQuery(c), deps.clock.now(), deps.hotWindow);
    if (format === 'json') return c.json(toAuditPageWire(await deps.reader.page(request)));
    // NDJSON export for SIEM ingestion: one page in memory at a time, however long the range.
    c.header('content-type', 'application/x-ndjson');
    const id = c.get('requestId');
    // A page reads every partition of its filter at least once: a fresh export reads the
    // largest pages (a cursor binds the size it was made with).
    const exported = request.cursor === undefined ? { ...request, limit: MAX_PAGE_SIZE } : request;
    return stream(c, async (out) => {
      let cursor = exported.cursor;
      try {
        do {
          const page = await deps.reader.page(cursor ? { ...exported, cursor } : exported);
          await out.write(toExportLines(page, id));
          cursor = page.nextCursor;
        } while (cursor);
      } catch (error) {
        // The 200 is sent: the only way to say the export is incomplete is a last line no reader takes for a record.
        deps.logger.error('audit export failed part-way', { requestId: id, ...describeError(error) });
        await out.write(exportFailureLine(error, id));
      }
    });
  });

  audit.get('/events/:id', async (c) => {
    const id = c.req.param('id');
    if (!EVENT_ID_PATTERN.test(id)) throw new InvalidRequestError('event ids are 26-character ULIDs');
    const event = await deps.reader.get(id);
    if (!event) throw new NotFoundError(`no audit event ${id}`);
    return c.json(toAuditEventWire(event));
  });

  const activityOf = async (issuances: readonly ChainedAuditEvent[]) => {
    if (!deps.activity)
      throw new NotFoundError('CloudTrail activity is not configured (CREDVEND_ACTIVITY_TABLE)');
    if (!issuances.some((e) => e.action === 'credentials.issue' && e.outcome === 'issued'))
      throw new NotFoundError('no issuance of credentials found');
    return activityOfIssuances(deps.activity.store, issuances);
  };

  audit.get('/events/:id/activity', async (c) => {
    const id = c.req.param('id');
    if (!EVENT_ID_PATTERN.test(id)) throw new InvalidRequestError('event ids are 26-character ULIDs');
    const event = await deps.reader.get(id);
    if (!event) throw new NotFoundError(`no audit event ${id}`);
    return c.json(toActivityWire(await activityOf([event])));
  });

  audit.get('/activity', async (c) => {
    const query = parseActivityQuery(singleValuedQuery(c));
    const issuances = query.accessKeyId
      ? await deps.reader.byAccessKey(query.accessKeyId)
      : await (deps.activity?.grants.issuancesOf(query.accessRequest ?? '') ?? []);
    return c.json(toActivityWire(await activityOf(issuances)));
  });

  audit.get('/access-keys/:accessKeyId', async (c) => {
    const accessKeyId = c.req.param('accessKeyId');
    if (!ACCESS_KEY_ID.test(accessKeyId))
      throw new InvalidRequestError('an access key id is 16-128 upper-case letters and digits');
    const events = await deps.reader.byAccessKey(accessKeyId);
    const issuance = events.find((e) => e.action === 'credentials.issue' && e.outcome === 'issued');
    if (!issuance) throw new NotFoundError(`no issuance produced access key ${accessKeyId}`);
    // Withheld: the audit write reported failure, so the caller never received these credentials.
    return c.json(
      toAccessKeyIssuanceWire(
        issuance,
        events.some((e) => e.action === 'credentials.withheld'),
      ),
    );
  });

  audit.get('/verify', async (c) => {
    const { from, to } = parseVerifyQuery(singleValuedQuery(c), deps.clock.now(), deps.hotWindow);
    return c.json(toVerificationReportWire(await verifyAuditRange(deps.reader, from, to, deps.anchoring)));
  });

  app.route('/v1/audit', audit);
  return app;
}
