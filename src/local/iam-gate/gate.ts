import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BucketPolicies } from './bucket-policies.js';
import type { Organization } from './context.js';
import { decide } from './decide.js';
import { DecisionCache } from './decision-cache.js';
import { authorisationsFor, UnmappedOperation } from './operations.js';
import { PolicyStore } from './policy-store.js';
import { CredentialRegistry, type Principal, principalArn } from './principals.js';
import { type Protocol, type Refusal, type RefusalKind, refusal } from './refusal.js';
import { assumeRoleProblem, recordAccessKey, recordSession } from './sessions.js';
import { parseAuthorization, type SignedRequest, signatureProblem } from './sigv4.js';
import { readWire, UnreadableRequest, type WireRequest } from './wire.js';

export interface BootstrapKey {
  accessKeyId: string;
  secretAccessKey: string;
  principal: Principal;
}

export interface IamGateOptions {
  host: string;
  port: number;
  region: string;
  motoEndpoint: string;
  /** DynamoDB Local: requests signed for `dynamodb` go there, judged like the rest. */
  dynamodbEndpoint?: string;
  /** Keys the gate knows from the start: the accounts' roots, the Lambda service. */
  bootstrap: readonly BootstrapKey[];
  organization?: Organization;
  /** Each refusal, for a log line (never a key or token). */
  onRefusal?: (line: string) => void;
}

export interface IamGate {
  endpoint: string;
  /** Judgements made by the simulator (misses) and answered from earlier ones (hits). */
  decisions(): { hits: number; misses: number };
  stop(): Promise<void>;
}

const header = (request: SignedRequest, name: string) => {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
};

/** The protocol a request speaks, for answering it in its own error shape before it is fully read. */
function protocolOf(request: SignedRequest, service: string | undefined): Protocol {
  if (service === 's3') return 's3';
  if (header(request, 'x-amz-target')) return 'json';
  if (service) return 'query';
  return header(request, 'content-type').includes('x-www-form-urlencoded') ? 'query' : 's3';
}

const READS = /^(Get|List|Describe|Head)/;

/** Whether a successful request may have changed what the policy store read. */
function changesPolicies(wire: WireRequest): boolean {
  if (wire.protocol === 's3')
    return wire.key === undefined && wire.method !== 'GET' && wire.method !== 'HEAD';
  if (!['iam', 'kms', 'secretsmanager'].includes(wire.service)) return false;
  return !READS.test(wire.operation);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const HOP_BY_HOP = new Set(['connection', 'transfer-encoding', 'content-length', 'expect', 'keep-alive']);

function forward(
  upstream: string,
  incoming: SignedRequest,
  account: string,
): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
  const url = new URL(upstream);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming.headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  headers['content-length'] = String(incoming.body.length);
  // moto files the request under the caller's account (its own view of keys is not consulted).
  headers['x-moto-account-id'] = account;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: incoming.method,
        path: `${incoming.rawPath}${incoming.rawQuery ? `?${incoming.rawQuery}` : ''}`,
        headers,
      },
      (response) => {
        readBody(response).then((body) => {
          const out: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(response.headers))
            if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
          resolve({ status: response.statusCode ?? 502, headers: out, body });
        }, reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(incoming.body);
  });
}

function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: Buffer | string,
) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  response.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
  response.end(bytes);
}

const sendRefusal = (response: ServerResponse, r: Refusal) => send(response, r.status, r.headers, r.body);

/** Who signed the request, or why it is refused before any policy is read. */
function authenticate(
  registry: CredentialRegistry,
  request: SignedRequest,
  now: Date,
): { principal: Principal; service: string; region: string } | { refused: RefusalKind; service?: string } {
  const auth = parseAuthorization(header(request, 'authorization'));
  if (!auth)
    return {
      refused: {
        code: 'MissingAuthenticationToken',
        message:
          'Request is missing Authentication Token (the local IAM gate accepts SigV4 Authorization headers only)',
      },
    };
  const credential = registry.get(auth.accessKeyId);
  if (!credential?.active)
    return {
      service: auth.service,
      refused: {
        code: 'InvalidClientTokenId',
        message: 'The security token included in the request is invalid.',
      },
    };
  const problem = signatureProblem(request, auth, credential.secretAccessKey);
  if (problem)
    return {
      service: auth.service,
      refused: {
        code: 'SignatureDoesNotMatch',
        message: `The request signature does not verify: ${problem}.`,
      },
    };
  const { principal } = credential;
  if (principal.kind === 'session') {
    if (header(request, 'x-amz-security-token') !== principal.sessionToken)
      return {
        service: auth.service,
        refused: {
          code: 'InvalidClientTokenId',
          message: 'The security token included in the request is invalid.',
        },
      };
    if (principal.expiresAt.getTime() <= now.getTime())
      return {
        service: auth.service,
        refused: { code: 'ExpiredToken', message: 'The security token included in the request is expired' },
      };
  }
  return { principal, service: auth.service, region: auth.region };
}

const accountOf = (principal: Principal) => principal.account;

/**
 * The IAM gate: an HTTP proxy in front of moto and DynamoDB Local. Every request is
 * authenticated by its SigV4 signature, mapped to the IAM actions and resources it needs,
 * judged by the IAM simulator against the policies the emulator holds, and only then served.
 */
export async function startIamGate(options: IamGateOptions): Promise<IamGate> {
  const registry = new CredentialRegistry();
  for (const key of options.bootstrap)
    registry.add(key.accessKeyId, {
      secretAccessKey: key.secretAccessKey,
      principal: key.principal,
      active: true,
    });
  const bucketPolicies = new BucketPolicies();
  const store = new PolicyStore(
    options.motoEndpoint,
    options.region,
    bucketPolicies,
    options.dynamodbEndpoint,
  );
  const cache = new DecisionCache();
  const lookups = {
    secretArn: (account: string, _region: string, id: string) => store.secretArn(account, id),
    bucketAccount: (bucket: string) => store.bucketOwner(bucket),
    partitionKey: (table: string) => store.partitionKey(table),
    roleBoundary: async (account: string, roleName: string) =>
      (await store.role(account, roleName))?.boundaryArn,
  };

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = incoming.url ?? '/';
    const q = url.indexOf('?');
    const request: SignedRequest = {
      method: incoming.method ?? 'GET',
      rawPath: q < 0 ? url : url.slice(0, q),
      rawQuery: q < 0 ? '' : url.slice(q + 1),
      headers: incoming.headers,
      body: await readBody(incoming),
    };
    const now = new Date();
    const who = authenticate(registry, request, now);
    if ('refused' in who) {
      options.onRefusal?.(`${who.refused.code}: ${who.refused.message}`);
      return sendRefusal(
        response,
        refusal(who.refused, protocolOf(request, who.service), who.service ?? 'sts'),
      );
    }
    const { principal, service, region } = who;
    const protocol = protocolOf(request, service);
    let wire: WireRequest;
    try {
      wire = readWire(request, service);
    } catch (error) {
      const message = error instanceof UnreadableRequest ? error.message : 'the request body cannot be read';
      return sendRefusal(response, refusal({ code: 'IamGateUnmappedOperation', message }, protocol, service));
    }
    const refuse = (kind: RefusalKind) => {
      options.onRefusal?.(`${principalArn(principal)} ${kind.code}: ${kind.message}`);
      sendRefusal(response, refusal(kind, protocol, service));
    };
    if (wire.protocol === 'query' && wire.service === 'sts' && wire.operation === 'AssumeRole') {
      const problem = await assumeRoleProblem(store, principal, wire.params);
      if (problem) return refuse(problem);
    }
    try {
      const userName = principal.kind === 'user' ? { userName: principal.userName } : {};
      const scope = { account: accountOf(principal), region, ...userName, lookups };
      const authorisations = await authorisationsFor(wire, scope);
      const { verdict, authorisation } = await decide({
        store,
        principal,
        authorisations,
        region,
        ...(options.organization ? { organization: options.organization } : {}),
        now,
        cache,
      });
      if (!verdict.allowed && authorisation) {
        const on = authorisation.resource === '*' ? '' : ` on resource: ${authorisation.resource}`;
        return refuse({
          code: 'AccessDenied',
          message: `User: ${principalArn(principal)} is not authorized to perform: ${authorisation.action}${on} ${verdict.reason}`,
        });
      }
    } catch (error) {
      if (error instanceof UnmappedOperation)
        return refuse({ code: 'IamGateUnmappedOperation', message: error.message });
      throw error;
    }
    const policyAnswer = bucketPolicies.serve(
      wire,
      request.body,
      (bucket) => store.bucketOwner(bucket) !== undefined,
    );
    if (policyAnswer) {
      if (policyAnswer.status < 300) afterSuccess(wire, principal, '', now);
      return send(
        response,
        policyAnswer.status,
        { 'content-type': policyAnswer.contentType },
        policyAnswer.body,
      );
    }
    const upstream =
      service === 'dynamodb' && options.dynamodbEndpoint ? options.dynamodbEndpoint : options.motoEndpoint;
    const answer = await forward(upstream, request, accountOf(principal));
    if (answer.status < 300) afterSuccess(wire, principal, answer.body.toString('utf8'), now);
    send(response, answer.status, answer.headers, answer.body);
  }

  function afterSuccess(wire: WireRequest, principal: Principal, body: string, now: Date): void {
    if (wire.protocol === 'query' && wire.service === 'sts' && wire.operation === 'AssumeRole')
      recordSession(registry, principal, wire.params, body, now);
    if (wire.protocol === 'query' && wire.service === 'iam') {
      if (wire.operation === 'CreateAccessKey') recordAccessKey(registry, accountOf(principal), body);
      if (wire.operation === 'UpdateAccessKey')
        registry.setActive(wire.params.AccessKeyId ?? '', wire.params.Status === 'Active');
      if (wire.operation === 'DeleteAccessKey') registry.delete(wire.params.AccessKeyId ?? '');
    }
    if (
      wire.protocol === 's3' &&
      wire.method === 'PUT' &&
      wire.bucket &&
      wire.key === undefined &&
      wire.query.size === 0
    )
      store.noteBucketOwner(wire.bucket, accountOf(principal));
    if (changesPolicies(wire)) {
      store.invalidate();
      cache.invalidate();
    }
  }

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      options.onRefusal?.(`gate error: ${message}`);
      if (!response.headersSent)
        send(response, 500, { 'content-type': 'text/plain' }, `local IAM gate error: ${message}`);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${options.host}:${port}`,
    decisions: () => ({ hits: cache.hits, misses: cache.misses }),
    stop: () =>
      new Promise<void>((resolve) => {
        store.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
