import { type Context, Hono } from 'hono';
import type { SlackMappedPerson } from '../access-request-config.js';
import type { AuthMethod } from '../auth/auth-method.js';
import { verifySlackRequest } from '../auth/slack-signature.js';
import type { Actor, Requester } from '../domain/access-requests/lifecycle.js';
import type { RequestableAdmin } from '../domain/access-requests/requestable-admin.js';
import type { AccessRequestService } from '../domain/access-requests/service.js';
import type { AuditAction } from '../domain/audit/audit.js';
import type { AdminScope } from '../domain/identity/roles.js';
import type { Clock } from '../domain/shared/clock.js';
import { AuthenticationError, CredvendError, InvalidRequestError } from '../domain/shared/errors.js';
import type { Caller, RequestContext } from '../domain/shared/types.js';
import { subjectKindOf } from '../domain/subjects/subjects.js';
import type { Logger } from '../logging.js';
import {
  ACCESS_REQUEST_ID,
  accessRequestBodyWire,
  decisionBodyWire,
  extensionBodyWire,
  REQUESTABLE_ID,
  requestableBodyWire,
} from '../wire/access-requests.js';
import {
  toAccessRequestInput,
  toAccessRequestWire,
  toExtensionInput,
  toRequestableInput,
  toRequestableWire,
} from './access-request-schema.js';
import type { AppEnv } from './app-env.js';
import { authenticate } from './authenticate.js';
import { parseJsonBody } from './json-body.js';
import { errorHandler, limitBody, notFound, requestId, securityHeaders } from './middleware.js';
import { singleValuedQuery } from './query.js';
import { requestContextOf, type SourceIpResolver } from './request-context.js';
import { parseSlackInteraction } from './slack-interaction.js';

export interface AccessRequestAppDependencies {
  requests: AccessRequestService;
  requestables: RequestableAdmin;
  authMethods: readonly AuthMethod[];
  clock: Clock;
  logger: Logger;
  sourceIp: SourceIpResolver;
  /** The caller's admin scope for reading (everything, its slices, or none). */
  adminScope: (caller: Caller) => AdminScope | undefined;
  /** Slack interactive messages; absent, the endpoint refuses everything. */
  /** `signingSecret` is read at run time: unreadable, an interaction is a 503, never unverified. */
  /** The signing secret, the workspace and app decisions must come from, and the user map. */
  slack?: {
    signingSecret: () => Promise<string>;
    teamId: string;
    appId: string;
    users: ReadonlyMap<string, SlackMappedPerson>;
  };
}

type Step = 'approve' | 'deny' | 'cancel' | 'revoke' | 'review';
const STEPS: readonly Step[] = ['approve', 'deny', 'cancel', 'revoke', 'review'];
const EXTENSION_STEPS = [
  ['approve', 'approveExtension'],
  ['deny', 'denyExtension'],
  ['cancel', 'cancelExtension'],
] as const satisfies ReadonlyArray<readonly [Step, keyof AccessRequestService]>;
const VIEWS = ['mine', 'to-approve', 'needs-review', 'grants'] as const;

/** The access-requests function: requests, decisions, grants, requestable access, Slack. */
export function createAccessRequestsApp(deps: AccessRequestAppDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId, securityHeaders);
  app.onError(errorHandler(deps.logger));
  app.notFound(notFound);
  app.route('/v1/access-requests', requestRoutes(deps));
  app.route('/v1/requestables', requestableRoutes(deps));
  app.post('/v1/slack/interactions', limitBody, (c) => slackInteraction(c, deps));
  return app;
}

function actorOf(caller: Caller): Actor {
  const groups = caller.subjectKeys.filter((key) => subjectKindOf(key) === 'group');
  return {
    principal: caller.principal,
    identity: caller.identityKey,
    authMethod: caller.authMethod,
    groups,
    via: 'api',
    ...(caller.verifiedEmail !== undefined ? { email: caller.verifiedEmail } : {}),
  };
}

/** The grant is written for the caller's identity key: this person, whichever session asks. */
function requesterOf(caller: Caller): Requester {
  return { ...actorOf(caller), displayName: caller.displayName };
}

/** Parses a body; a malformed one is audited against the caller before the 400. */
async function parsed<T>(
  deps: AccessRequestAppDependencies,
  c: Context<AppEnv>,
  action: AuditAction,
  parse: (text: string) => T,
  id?: string,
): Promise<T> {
  try {
    return parse(await c.req.text());
  } catch (error) {
    if (error instanceof CredvendError) {
      const actor = actorOf(c.get('caller'));
      await deps.requests.recordRejection(actor, action, requestContextOf(c, deps.sourceIp), error, id);
    }
    throw error;
  }
}

function requestRoutes(deps: AccessRequestAppDependencies): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.use(limitBody, authenticate(deps.authMethods, undefined, deps.sourceIp));
  const context = (c: Context<AppEnv>): RequestContext => requestContextOf(c, deps.sourceIp);
  const actor = (c: Context<AppEnv>) => actorOf(c.get('caller'));
  const wire = (r: Parameters<typeof toAccessRequestWire>[0]) => toAccessRequestWire(r, deps.clock.now());

  api.get('/', async (c) => {
    const view = singleValuedQuery(c).view ?? 'mine';
    const me = actor(c);
    let found: Awaited<ReturnType<AccessRequestService['mine']>>;
    if (view === 'mine') found = await deps.requests.mine(me);
    else if (view === 'to-approve') found = await deps.requests.toApprove(me);
    else if (view === 'needs-review') found = await deps.requests.needingReview(me);
    else if (view === 'grants') found = await deps.requests.grants(me);
    else throw new InvalidRequestError(`view is one of ${VIEWS.join(', ')}`);
    return c.json({ accessRequests: found.map(wire) });
  });

  api.post('/', async (c) => {
    const body = await parsed(deps, c, 'access-request.create', (text) =>
      parseJsonBody(accessRequestBodyWire, text, 'access request'),
    );
    const created = await deps.requests.open(
      requesterOf(c.get('caller')),
      toAccessRequestInput(body),
      context(c),
    );
    return c.json(wire(created), 201);
  });

  api.get('/:id', async (c) => {
    const id = checkedRequestId(c.req.param('id'));
    return c.json(wire(await deps.requests.get(actor(c), id, context(c))));
  });

  for (const step of STEPS) {
    api.post(`/:id/${step}`, async (c) => {
      const id = checkedRequestId(c.req.param('id'));
      const { comment } = await parsed(
        deps,
        c,
        `access-request.${step}`,
        (text) => parseJsonBody(decisionBodyWire, text, 'decision'),
        id,
      );
      const done = await deps.requests[step](actor(c), id, context(c), comment);
      return c.json(wire(done));
    });
  }

  api.post('/:id/extend', async (c) => {
    const id = checkedRequestId(c.req.param('id'));
    const body = await parsed(
      deps,
      c,
      'access-request.extend',
      (text) => parseJsonBody(extensionBodyWire, text, 'extension'),
      id,
    );
    return c.json(wire(await deps.requests.extend(actor(c), id, toExtensionInput(body), context(c))));
  });

  for (const [step, method] of EXTENSION_STEPS) {
    api.post(`/:id/extension/${step}`, async (c) => {
      const id = checkedRequestId(c.req.param('id'));
      const { comment } = await parsed(
        deps,
        c,
        `access-request.${step}`,
        (text) => parseJsonBody(decisionBodyWire, text, 'decision'),
        id,
      );
      return c.json(wire(await deps.requests[method](actor(c), id, context(c), comment)));
    });
  }
  return api;
}

function checkedRequestId(id: string): string {
  if (!ACCESS_REQUEST_ID.test(id))
    throw new InvalidRequestError('an access request id is a 26-character ULID');
  return id;
}

function checkedRequestableId(id: string): string {
  if (!REQUESTABLE_ID.test(id))
    throw new InvalidRequestError('requestable ids are 1-128 of letters, digits and _.:@+=-');
  return id;
}

const etag = (version: number) => `"v${version}"`;

function ifMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"v(\d{1,9})"$/.exec(header.trim());
  if (!match?.[1]) throw new InvalidRequestError('If-Match must be an ETag this API returned, like "v3"');
  return Number(match[1]);
}

function requestableRoutes(deps: AccessRequestAppDependencies): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.use(limitBody, authenticate(deps.authMethods, undefined, deps.sourceIp));
  const context = (c: Context<AppEnv>) => requestContextOf(c, deps.sourceIp);

  api.get('/', async (c) => {
    const caller = c.get('caller');
    const list = await deps.requestables.list(caller, deps.adminScope(caller));
    return c.json({ requestables: list.map(toRequestableWire) });
  });

  // The role first: a non-admin's malformed id or body is a 403, never a lesson in what is valid.
  api.put('/:id', async (c) => {
    await deps.requestables.requireAdmin(c.get('caller'), 'requestable.put', context(c));
    const id = checkedRequestableId(c.req.param('id'));
    const body = parseJsonBody(requestableBodyWire, await c.req.text(), 'requestable access');
    const expected = ifMatch(c.req.header('if-match'));
    const saved = await deps.requestables.put(
      c.get('caller'),
      toRequestableInput(id, body),
      expected,
      context(c),
    );
    c.header('etag', etag(saved.version));
    return c.json(toRequestableWire(saved), expected === undefined ? 201 : 200);
  });

  api.delete('/:id', async (c) => {
    await deps.requestables.requireAdmin(c.get('caller'), 'requestable.delete', context(c));
    const id = checkedRequestableId(c.req.param('id'));
    await deps.requestables.delete(c.get('caller'), id, ifMatch(c.req.header('if-match')), context(c));
    return c.body(null, 204);
  });
  return api;
}

/**
 * Slack's interactive payloads: the signature is checked over the raw body before anything
 * is parsed, then the Slack user is mapped to a principal through the configured mapping
 * (audited on every decision); an unknown user is refused and audited.
 */
async function slackInteraction(c: Context<AppEnv>, deps: AccessRequestAppDependencies): Promise<Response> {
  const body = await c.req.text();
  if (!deps.slack) throw new AuthenticationError('Slack interactions are not configured');
  verifySlackRequest(
    await deps.slack.signingSecret(),
    { timestamp: c.req.header('x-slack-request-timestamp'), signature: c.req.header('x-slack-signature') },
    body,
    deps.clock.now(),
  );
  const decision = parseSlackInteraction(body);
  const mapped = deps.slack.users.get(decision.slackUserId);
  const principal = mapped?.principal;
  const actor: Actor = {
    principal: principal ?? `slack:${decision.slackUserId}`,
    // Resolved at start by the rule authentication uses (principal-names.ts).
    identity: mapped?.identity ?? `slack|${decision.slackUserId}`,
    authMethod: 'slack',
    groups: [],
    via: 'slack',
    slackUserId: decision.slackUserId,
  };
  const action = decision.decision === 'approve' ? 'access-request.approve' : 'access-request.deny';
  const context = requestContextOf(c, deps.sourceIp);
  // A user id means a person only in its workspace, and the signing secret is the app's: a
  // click from another workspace or app is nobody's decision, whatever its user id.
  if (decision.teamId !== deps.slack.teamId || decision.appId !== deps.slack.appId) {
    const refused = new AuthenticationError(
      'this Slack interaction is not from the configured workspace and app',
    );
    await deps.requests.recordRejection(actor, action, context, refused, decision.requestId);
    throw refused;
  }
  if (!principal) {
    const refused = new AuthenticationError('this Slack user is not mapped to a credvend principal');
    await deps.requests.recordRejection(actor, action, context, refused, decision.requestId);
    throw refused;
  }
  const done = await deps.requests[decision.decision](actor, decision.requestId, context);
  return c.json({
    response_type: 'ephemeral',
    replace_original: false,
    text: `${decision.decision === 'approve' ? 'Approved' : 'Denied'} ${done.id}: now ${toAccessRequestWire(done, deps.clock.now()).state}`,
  });
}
