import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSigV4AuthMethod } from '../../src/auth/aws-sigv4.js';
import {
  decodeSignedRequest,
  parseGetCallerIdentityResponse,
  SERVER_ID_HEADER,
} from '../../src/auth/aws-sigv4-protocol.js';
import { buildSignedGetCallerIdentity } from '../../src/auth/signed-identity-request.js';
import type { AppEnv } from '../../src/http/app-env.js';
import { authenticate } from '../../src/http/authenticate.js';
import { errorHandler, requestId } from '../../src/http/middleware.js';
import { createLogger } from '../../src/logging.js';
import { problemWire } from '../../src/wire/problem.js';
import { readWire } from '../fixtures/read-wire.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const SERVER_ID = 'credvend-test-server';

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

const identityXml = (arn: string, account = '111111111111', userId = 'AIDAEXAMPLE') =>
  `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>${arn}</Arn>
    <UserId>${userId}</UserId>
    <Account>${account}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>c2d1f0e4-0000-4000-8000-000000000000</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;

/**
 * A local HTTP server that counts every TCP connection and every request, so a test can
 * prove what was (not) sent: a connection that never opens carries nothing.
 */
interface CountingServer {
  server: Server;
  url: string;
  connections: number;
  received: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }>;
  answer: (body: string) => Answer;
}

async function countingServer(): Promise<CountingServer> {
  const counting: CountingServer = {
    server: createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        counting.received.push({ method: req.method, url: req.url, headers: req.headers, body });
        const answer = counting.answer(body);
        // No keep-alive: every request must open a connection of its own to be counted.
        res
          .writeHead(answer.status, { 'content-type': 'text/xml', connection: 'close', ...answer.headers })
          .end(answer.body);
      });
    }),
    url: '',
    connections: 0,
    received: [],
    answer: () => ({ status: 500, body: '' }),
  };
  counting.server.on('connection', () => {
    counting.connections++;
  });
  await new Promise<void>((resolve) => counting.server.listen(0, '127.0.0.1', resolve));
  counting.url = `http://127.0.0.1:${(counting.server.address() as AddressInfo).port}/`;
  return counting;
}

/** Answers like STS: a good GetCallerIdentity gets `arn`, anything else a 403. */
const stsAnswering =
  (arn: string) =>
  (body: string): Answer =>
    body === 'Action=GetCallerIdentity&Version=2011-06-15'
      ? { status: 200, body: identityXml(arn) }
      : { status: 403, body: '<ErrorResponse/>' };

/** The STS credvend is configured with. */
let sts: CountingServer;
/** Another server on this host: what a caller would like credvend to talk to instead. */
let decoy: CountingServer;
let endpoint: string;

beforeAll(async () => {
  sts = await countingServer();
  decoy = await countingServer();
  decoy.answer = () => ({
    status: 200,
    body: identityXml('arn:aws:iam::999999999999:user/attacker', '999999999999'),
  });
  endpoint = sts.url;
});

beforeEach(() => {
  sts.answer = stsAnswering('arn:aws:iam::111111111111:user/automation');
  sts.received = [];
});

afterAll(async () => {
  for (const s of [sts, decoy]) await new Promise<void>((resolve) => s.server.close(() => resolve()));
});

const claimed: string[] = [];

function app(stsEndpoint = endpoint, serverId = SERVER_ID) {
  const hono = new Hono<AppEnv>();
  hono.use(requestId);
  hono.onError(errorHandler(createLogger('silent')));
  hono.use(
    authenticate(
      [createSigV4AuthMethod({ stsEndpoint, serverId, now: () => NOW })],
      async (_c, principal) => {
        claimed.push(principal);
      },
    ),
  );
  hono.get('/whoami', (c) => c.json(c.get('caller')));
  return hono;
}

const sign = (options: { stsEndpoint?: string; serverId?: string; now?: Date } = {}) =>
  buildSignedGetCallerIdentity({
    stsEndpoint: options.stsEndpoint ?? endpoint,
    serverId: options.serverId ?? SERVER_ID,
    region: 'us-east-1',
    credentials,
    now: options.now ?? NOW,
  });

interface Wire {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Decodes a signed request, lets a test tamper with it, and encodes it again. */
async function tampered(edit: (wire: Wire) => void, signed?: string): Promise<string> {
  const value = signed ?? (await sign());
  const wire: Wire = decodeSignedRequest(value.slice('CredvendAWS '.length));
  edit(wire);
  return `CredvendAWS ${Buffer.from(JSON.stringify(wire)).toString('base64url')}`;
}

/** Adds a header to the request and lists it in SignedHeaders (the signature itself is then wrong). */
const withSignedHeader = (name: string, value: string) =>
  tampered((w) => {
    w.headers[name] = value;
    w.headers.authorization = (w.headers.authorization ?? '').replace(
      'SignedHeaders=',
      `SignedHeaders=${name};`,
    );
  });

async function call(authorization: string, target = app()) {
  const before = { sts: sts.connections, decoy: decoy.connections, requests: sts.received.length };
  const response = await target.request('/whoami', { headers: { authorization } });
  const forwarded = sts.connections - before.sts;
  // Connections are not reused (the server closes each), so one request is one connection.
  expect(sts.received.length - before.requests).toBe(forwarded);
  return { response, forwarded, toDecoy: decoy.connections - before.decoy + decoy.received.length };
}

describe('signed GetCallerIdentity', () => {
  it('forwards a good request to the configured endpoint only and trusts the ARN STS answers', async () => {
    const { response, forwarded, toDecoy } = await call(await sign());
    expect(response.status).toBe(200);
    expect(forwarded).toBe(1);
    expect(toDecoy).toBe(0);
    expect(await response.json()).toEqual({
      principal: 'arn:aws:iam::111111111111:user/automation',
      authMethod: 'aws-sigv4',
      identityKey: 'aws|arn:aws:iam::111111111111:user/automation',
      subjectKeys: ['aws|arn:aws:iam::111111111111:user/automation', 'aws|arn:aws:iam::111111111111:root'],
      displayName: 'automation',
      claims: {},
    });
    const [received] = sts.received;
    expect(received).toMatchObject({
      method: 'POST',
      url: '/',
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(received?.headers).toMatchObject({
      host: new URL(endpoint).host,
      [SERVER_ID_HEADER]: SERVER_ID,
      authorization: expect.stringMatching(
        /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20260601\/us-east-1\/sts\//,
      ),
    });
  });

  it('maps an assumed-role ARN to its path-less role for matching and identity, and keeps the self-chosen session for audit only', async () => {
    const arn = 'arn:aws:sts::111111111111:assumed-role/deployer/build-42';
    sts.answer = stsAnswering(arn);
    const { response } = await call(await sign());
    expect(await response.json()).toEqual({
      principal: arn,
      authMethod: 'aws-sigv4',
      identityKey: 'aws|arn:aws:iam::111111111111:role/deployer',
      subjectKeys: [
        `aws|${arn}`,
        'aws|arn:aws:iam::111111111111:role/deployer',
        'aws|arn:aws:iam::111111111111:root',
      ],
      displayName: 'deployer',
      claims: {},
      awsSessionName: 'build-42',
    });
  });

  it('pins the forwarded content-type to a form body, even when the caller sent none', async () => {
    const withoutType = await tampered((w) => {
      delete w.headers['content-type'];
    });
    expect((await call(withoutType)).forwarded).toBe(1);
    expect(sts.received.at(-1)?.headers['content-type']).toBe(
      'application/x-www-form-urlencoded; charset=utf-8',
    );
  });

  it('accepts the auth scheme in any case, as HTTP schemes are case-insensitive', async () => {
    const signed = await sign();
    const { response } = await call(`credvendaws ${signed.slice('CredvendAWS '.length)}`);
    expect(response.status).toBe(200);
  });

  it('leaves other Authorization schemes to other methods', async () => {
    const { response, forwarded } = await call('Bearer a.b.c');
    expect(response.status).toBe(401);
    expect((await readWire(response, problemWire)).detail).toMatch(/^no credentials/);
    expect(forwarded).toBe(0);
  });

  interface Case {
    name: string;
    build: () => Promise<string>;
    /** The app the request is sent to, when not the default one. */
    target?: () => ReturnType<typeof app>;
    status: 400 | 401;
    /** The refusal's detail: names the check that refused, so each check has its own case. */
    detail: RegExp;
  }
  const edit = (change: (wire: Wire) => void) => () => tampered(change);
  const encoded = (text: string) => async () => `CredvendAWS ${Buffer.from(text).toString('base64url')}`;
  const ADDRESSED = /must be addressed to http:\/\/127\.0\.0\.1:\d+\/$/;
  const rejected: Case[] = [
    {
      name: 'addressed to another host',
      build: () => sign({ stsEndpoint: 'http://sts.evil.example/' }),
      status: 401,
      detail: ADDRESSED,
    },
    {
      name: 'addressed to another host on this machine',
      build: () => sign({ stsEndpoint: decoy.url.replace('127.0.0.1', 'localhost') }),
      status: 401,
      detail: ADDRESSED,
    },
    {
      name: 'addressed to another port',
      build: () => sign({ stsEndpoint: decoy.url }),
      status: 401,
      detail: ADDRESSED,
    },
    {
      name: 'http when the server uses https',
      build: () => sign(),
      target: () => app(endpoint.replace('http:', 'https:')),
      status: 401,
      detail: /must be addressed to https:/,
    },
    {
      name: 'an IP literal for a named endpoint',
      build: () => sign(),
      target: () => app(endpoint.replace('127.0.0.1', 'localhost')),
      status: 401,
      detail: /must be addressed to http:\/\/localhost:/,
    },
    {
      name: 'a URL with userinfo',
      build: edit((w) => {
        w.url = w.url.replace('http://', 'http://user:pw@');
      }),
      status: 401,
      detail: ADDRESSED,
    },
    {
      name: 'a content-type other than a form body',
      build: () => withSignedHeader('content-type', 'application/json'),
      status: 400,
      detail: /x-www-form-urlencoded/,
    },
    {
      name: 'a URL with a query',
      build: edit((w) => {
        w.url = `${w.url}?Action=GetSessionToken`;
      }),
      status: 401,
      detail: ADDRESSED,
    },
    {
      name: 'a URL with a path',
      build: edit((w) => {
        w.url = `${w.url}redirect`;
      }),
      status: 401,
      detail: ADDRESSED,
    },
    {
      name: 'a signed host other than the endpoint',
      build: edit((w) => {
        w.headers.host = new URL(decoy.url).host;
      }),
      status: 401,
      detail: /signed host must be 127\.0\.0\.1:\d+$/,
    },
    {
      name: 'no server id header',
      build: edit((w) => {
        delete w.headers[SERVER_ID_HEADER];
      }),
      status: 401,
      detail: /x-credvend-server-id header is missing or names another server/,
    },
    {
      name: 'a wrong server id',
      build: () => sign({ serverId: 'another-server' }),
      status: 401,
      detail: /x-credvend-server-id header is missing or names another server/,
    },
    {
      name: 'a replay to a server with another id',
      build: () => sign(),
      target: () => app(undefined, 'other-credvend'),
      status: 401,
      detail: /x-credvend-server-id header is missing or names another server/,
    },
    {
      name: 'a server id outside SignedHeaders',
      build: edit((w) => {
        w.headers.authorization = (w.headers.authorization ?? '').replace(`;${SERVER_ID_HEADER}`, '');
      }),
      status: 401,
      detail: /header x-credvend-server-id is not signed/,
    },
    {
      name: 'host outside SignedHeaders',
      build: edit((w) => {
        w.headers.authorization = (w.headers.authorization ?? '').replace(
          'SignedHeaders=content-type;host;',
          'SignedHeaders=content-type;',
        );
      }),
      status: 401,
      detail: /header host is not signed/,
    },
    {
      name: 'no SigV4 Authorization header',
      build: edit((w) => {
        delete w.headers.authorization;
      }),
      status: 401,
      detail: /no SigV4 Authorization header/,
    },
    {
      name: 'a stale date',
      build: () => sign({ now: new Date(NOW.getTime() - 6 * 60_000) }),
      status: 401,
      detail: /more than 300 s from now/,
    },
    {
      name: 'a date in the future',
      build: () => sign({ now: new Date(NOW.getTime() + 6 * 60_000) }),
      status: 401,
      detail: /more than 300 s from now/,
    },
    {
      name: 'a credential scope of another day',
      build: edit((w) => {
        w.headers.authorization = (w.headers.authorization ?? '').replace('/20260601/', '/20260531/');
      }),
      status: 401,
      detail: /credential scope date/,
    },
    {
      name: 'a tampered body',
      build: edit((w) => {
        w.body = Buffer.from('Action=GetSessionToken&Version=2011-06-15').toString('base64');
      }),
      status: 401,
      detail: /only sts:GetCallerIdentity/,
    },
    {
      name: 'an unsigned header added',
      build: edit((w) => {
        w.headers['x-amz-security-token'] = 'FwoGZXIvYXdzEXAMPLE';
      }),
      status: 401,
      detail: /header x-amz-security-token is not signed/,
    },
    {
      name: 'a content-length that is not the body’s',
      build: () => withSignedHeader('content-length', '4096'),
      status: 400,
      detail: /content-length is not the length of the body/,
    },
    {
      name: 'a header outside the accepted set, even signed',
      build: () => withSignedHeader('x-extra', '1'),
      status: 400,
      detail: /header "x-extra" is not accepted/,
    },
    {
      name: 'a hop-by-hop header, even signed',
      build: () => withSignedHeader('expect', '100-continue'),
      status: 400,
      detail: /header "expect" is not accepted/,
    },
    {
      name: 'a CR/LF header injection',
      build: edit((w) => {
        w.headers[SERVER_ID_HEADER] = `${SERVER_ID}\r\nx-evil: 1`;
      }),
      status: 400,
      detail: /value of header "x-credvend-server-id" is not printable ASCII of at most 4096 characters/,
    },
    {
      name: 'a CR/LF header name injection',
      build: edit((w) => {
        w.headers['x-amz-date: 1\r\nx'] = '1';
      }),
      status: 400,
      detail: /header "x-amz-date: 1\\r\\nx" is not accepted/,
    },
    {
      name: 'one header twice in different case',
      build: edit((w) => {
        w.headers.Host = w.headers.host ?? '';
      }),
      status: 400,
      detail: /header host appears twice/,
    },
    {
      name: 'an oversized header value',
      build: edit((w) => {
        w.headers['x-amz-security-token'] = 'A'.repeat(5000);
      }),
      status: 400,
      detail: /value of header "x-amz-security-token" is not printable ASCII/,
    },
    {
      name: 'more than 32 headers',
      build: edit((w) => {
        for (let i = 0; i < 30; i++) w.headers[`x-amz-h${i}`] = '1';
      }),
      status: 400,
      detail: /expected shape/,
    },
    {
      name: 'a GET',
      build: edit((w) => {
        w.method = 'GET';
      }),
      status: 400,
      detail: /expected shape/,
    },
    {
      name: 'non-base64',
      build: async () => 'CredvendAWS !!not base64!!',
      status: 400,
      detail: /is not base64url$/,
    },
    {
      name: 'base64 that is not JSON',
      build: encoded('not json'),
      status: 400,
      detail: /base64url-encoded JSON/,
    },
    {
      name: 'an oversized request',
      build: edit((w) => {
        for (let i = 0; i < 4; i++) w.headers[`x-amz-pad${i}`] = 'A'.repeat(4000);
      }),
      status: 400,
      detail: /over 16384 bytes/,
    },
    { name: 'JSON of the wrong shape', build: encoded('{"url":1}'), status: 400, detail: /expected shape/ },
    {
      name: 'an unknown field',
      build: edit((w) => {
        Object.assign(w, { forwardTo: 'http://sts.evil.example/' });
      }),
      status: 400,
      detail: /expected shape/,
    },
    {
      name: 'a body that is not base64',
      build: edit((w) => {
        w.body = '%%%';
      }),
      status: 400,
      detail: /body is not base64/,
    },
  ];

  it.each(rejected)('refuses $name and sends nothing anywhere', async ({ build, target, status, detail }) => {
    const { response, forwarded, toDecoy } = await call(await build(), target ? target() : app());
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = await readWire(response, problemWire);
    expect(problem.type).toBe(
      status === 400 ? 'urn:credvend:problem:invalid-request' : 'urn:credvend:problem:unauthenticated',
    );
    expect(problem.detail).toMatch(detail);
    expect(forwarded).toBe(0);
    expect(toDecoy).toBe(0);
  });
});

describe("STS's answer", () => {
  it('a signature STS refuses is a 401, reported under the claimed access key id', async () => {
    sts.answer = () => ({
      status: 403,
      body: '<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>',
    });
    claimed.length = 0;
    const { response, forwarded } = await call(await sign());
    expect(forwarded).toBe(1);
    expect(response.status).toBe(401);
    expect((await readWire(response, problemWire)).detail).toBe('AWS signature rejected by STS');
    expect(claimed).toEqual(['unverified-aws-access-key:AKIAIOSFODNN7EXAMPLE']);
  });

  it('STS throttling is a 429 with Retry-After, not a failed authentication', async () => {
    sts.answer = () => ({
      status: 400,
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>',
    });
    const { response } = await call(await sign());
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
  });

  it('an STS failure is a 502 that says nothing of the upstream', async () => {
    sts.answer = () => ({ status: 500, body: '<ErrorResponse>internal detail</ErrorResponse>' });
    const { response } = await call(await sign());
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(text).not.toContain('internal detail');
    expect(text).not.toContain('127.0.0.1');
  });

  it('an unreachable STS is a 502', async () => {
    const closed = await countingServer();
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const { response } = await call(await sign({ stsEndpoint: closed.url }), app(closed.url));
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('a redirect from STS is not followed', async () => {
    sts.answer = () => ({ status: 307, headers: { location: decoy.url }, body: '' });
    const { response, forwarded, toDecoy } = await call(await sign());
    expect(forwarded).toBe(1);
    expect(toDecoy).toBe(0);
    expect(response.status).toBe(502);
  });

  it.each([
    ['no Arn', identityXml('').replace('<Arn></Arn>', '')],
    ['an Account that is not the ARN’s', identityXml('arn:aws:iam::111111111111:user/a', '222222222222')],
    [
      'two Arns',
      identityXml('arn:aws:iam::111111111111:user/a').replace(
        '<UserId>',
        '<Arn>arn:aws:iam::111111111111:user/b</Arn><UserId>',
      ),
    ],
    [
      'another document',
      '<AssumeRoleResponse><Arn>arn:aws:iam::111111111111:user/a</Arn></AssumeRoleResponse>',
    ],
    [
      'the right result in another response',
      identityXml('arn:aws:iam::111111111111:user/a').replace(/GetCallerIdentityResponse/g, 'ErrorResponse'),
    ],
  ])('a 200 with %s is a 502, not a caller', async (_name, xml) => {
    sts.answer = () => ({ status: 200, body: xml });
    const { response } = await call(await sign());
    expect(response.status).toBe(502);
  });

  it('only a 200 is an answer: an identity document with another status is a 502', async () => {
    sts.answer = () => ({ status: 500, body: identityXml('arn:aws:iam::111111111111:user/a') });
    const { response } = await call(await sign());
    expect(response.status).toBe(502);
  });

  it('a principal type credvend does not map (a federated user) is a 401', async () => {
    sts.answer = () => ({ status: 200, body: identityXml('arn:aws:sts::111111111111:federated-user/bob') });
    const { response } = await call(await sign());
    expect(response.status).toBe(401);
    expect((await readWire(response, problemWire)).detail).toMatch(/federated-user\/bob is not a principal/);
  });
});

describe('buildSignedGetCallerIdentity', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('signs session credentials with their token, which the verifier forwards', async () => {
    const signed = await buildSignedGetCallerIdentity({
      stsEndpoint: endpoint,
      serverId: SERVER_ID,
      region: 'us-east-1',
      credentials: {
        ...credentials,
        accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
        sessionToken: 'FwoGZXIvYXdzEXAMPLE',
      },
      now: NOW,
    });
    const { response } = await call(signed);
    expect(response.status).toBe(200);
    expect(sts.received[0]?.headers['x-amz-security-token']).toBe('FwoGZXIvYXdzEXAMPLE');
    expect(sts.received[0]?.headers.authorization).toMatch(
      /SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-credvend-server-id,/,
    );
  });

  it('takes the default AWS credential chain when given no credentials', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIADEFAULTCHAIN0001');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'default-chain-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    const signed = await buildSignedGetCallerIdentity({
      stsEndpoint: endpoint,
      serverId: SERVER_ID,
      region: 'us-east-1',
    });
    const wire: Wire = decodeSignedRequest(signed.slice('CredvendAWS '.length));
    expect(wire.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIADEFAULTCHAIN0001\//);
    expect(wire).toMatchObject({ method: 'POST', url: endpoint, headers: { [SERVER_ID_HEADER]: SERVER_ID } });
    expect(Buffer.from(wire.body, 'base64').toString()).toBe('Action=GetCallerIdentity&Version=2011-06-15');
  });
});

describe('parseGetCallerIdentityResponse', () => {
  it('reads the three fields of a real-shaped answer', () => {
    expect(
      parseGetCallerIdentityResponse(
        `<?xml version="1.0"?>\n${identityXml('arn:aws:sts::111111111111:assumed-role/r/s', '111111111111', 'AROAEXAMPLE:s')}`,
      ),
    ).toEqual({
      arn: 'arn:aws:sts::111111111111:assumed-role/r/s',
      account: '111111111111',
      userId: 'AROAEXAMPLE:s',
    });
  });

  it('refuses a document without a UserId', () => {
    expect(
      parseGetCallerIdentityResponse(
        identityXml('arn:aws:iam::111111111111:user/a').replace(/<UserId>.*<\/UserId>/, ''),
      ),
    ).toBeUndefined();
  });
});
