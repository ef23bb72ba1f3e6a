import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigV4AuthMethod, SERVER_ID_HEADER } from '../../src/auth/aws-sigv4.js';
import { buildSignedGetCallerIdentity } from '../../src/auth/signed-identity-request.js';
import type { AppEnv } from '../../src/http/app-env.js';
import { authenticate } from '../../src/http/authenticate.js';
import { errorHandler, requestId } from '../../src/http/middleware.js';
import { createLogger } from '../../src/logging.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const SERVER_ID = 'credvend-test-server';

/** A stand-in STS that counts every TCP connection, so a test can prove nothing was forwarded. */
let server: Server;
let connections = 0;
let answerArn = 'arn:aws:iam::111111111111:user/automation';
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (body !== 'Action=GetCallerIdentity&Version=2011-06-15' || !req.headers.authorization) {
        res.writeHead(403).end('<ErrorResponse/>');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>${answerArn}</Arn><UserId>AIDA</UserId><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
      );
    });
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function app(stsEndpoint = endpoint, serverId = SERVER_ID) {
  const hono = new Hono<AppEnv>();
  hono.use(requestId);
  hono.onError(errorHandler(createLogger('silent')));
  hono.use(authenticate([createSigV4AuthMethod({ stsEndpoint, serverId, now: () => NOW })]));
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
  const wire = JSON.parse(Buffer.from(value.slice('CredvendAWS '.length), 'base64url').toString()) as Wire;
  edit(wire);
  return `CredvendAWS ${Buffer.from(JSON.stringify(wire)).toString('base64url')}`;
}

async function call(authorization: string, target = app()) {
  const before = connections;
  const response = await target.request('/whoami', { headers: { authorization } });
  return { response, forwarded: connections - before };
}

describe('signed GetCallerIdentity', () => {
  it('forwards a good request and trusts the ARN STS answers', async () => {
    answerArn = 'arn:aws:iam::111111111111:user/automation';
    const { response, forwarded } = await call(await sign());
    expect(response.status).toBe(200);
    expect(forwarded).toBe(1);
    expect(await response.json()).toMatchObject({
      principal: answerArn,
      authMethod: 'aws-sigv4',
      subjectKeys: [`aws|${answerArn}`, 'aws|arn:aws:iam::111111111111:root'],
      displayName: 'automation',
    });
  });

  it('maps an assumed-role ARN to its role for matching and keeps the session for audit', async () => {
    answerArn = 'arn:aws:sts::111111111111:assumed-role/deployer/build-42';
    const { response } = await call(await sign());
    expect(await response.json()).toMatchObject({
      principal: answerArn,
      subjectKeys: [
        `aws|${answerArn}`,
        'aws|arn:aws:iam::111111111111:role/deployer',
        'aws|arn:aws:iam::111111111111:root',
      ],
      awsSessionName: 'build-42',
    });
  });

  const rejected: Array<[string, () => Promise<string>, (() => ReturnType<typeof app>) | undefined, number]> =
    [
      ['addressed to another host', () => sign({ stsEndpoint: 'http://sts.evil.example/' }), undefined, 401],
      [
        'addressed to another port',
        async () => sign({ stsEndpoint: endpoint.replace(/:\d+\//, ':1/') }),
        undefined,
        401,
      ],
      [
        'http when the server uses https',
        () => sign(),
        () => app('https://sts.us-east-1.amazonaws.com/'),
        401,
      ],
      [
        'an IP literal for a named endpoint',
        () => sign(),
        () => app(endpoint.replace('127.0.0.1', 'localhost')),
        401,
      ],
      [
        'a URL with userinfo',
        () =>
          tampered((w) => {
            w.url = w.url.replace('http://', 'http://user:pw@');
          }),
        undefined,
        401,
      ],
      [
        'a URL with a query',
        () =>
          tampered((w) => {
            w.url = `${w.url}?Action=GetSessionToken`;
          }),
        undefined,
        401,
      ],
      [
        'no server id header',
        () =>
          tampered((w) => {
            delete w.headers[SERVER_ID_HEADER];
          }),
        undefined,
        401,
      ],
      ['a wrong server id', () => sign({ serverId: 'another-server' }), undefined, 401],
      ['a replay to a server with another id', () => sign(), () => app(undefined, 'other-credvend'), 401],
      [
        'a server id outside SignedHeaders',
        () =>
          tampered((w) => {
            w.headers.authorization = (w.headers.authorization ?? '').replace(`;${SERVER_ID_HEADER}`, '');
          }),
        undefined,
        401,
      ],
      ['a stale date', () => sign({ now: new Date(NOW.getTime() - 6 * 60_000) }), undefined, 401],
      ['a date in the future', () => sign({ now: new Date(NOW.getTime() + 6 * 60_000) }), undefined, 401],
      [
        'a tampered body',
        () =>
          tampered((w) => {
            w.body = Buffer.from('Action=GetSessionToken&Version=2011-06-15').toString('base64');
          }),
        undefined,
        401,
      ],
      [
        'an unsigned header added',
        () =>
          tampered((w) => {
            w.headers['x-extra'] = '1';
          }),
        undefined,
        401,
      ],
      [
        'a CR/LF header injection',
        () =>
          tampered((w) => {
            w.headers[SERVER_ID_HEADER] = `${SERVER_ID}\r\nx-evil: 1`;
          }),
        undefined,
        400,
      ],
      [
        'a GET',
        () =>
          tampered((w) => {
            w.method = 'GET';
          }),
        undefined,
        400,
      ],
      ['non-base64', async () => 'CredvendAWS !!not base64!!', undefined, 400],
      ['an oversized request', async () => `CredvendAWS ${'A'.repeat(20_000)}`, undefined, 400],
      [
        'JSON of the wrong shape',
        async () => `CredvendAWS ${Buffer.from('{"url":1}').toString('base64url')}`,
        undefined,
        400,
      ],
      [
        'a body that is not base64',
        () =>
          tampered((w) => {
            w.body = '%%%';
          }),
        undefined,
        400,
      ],
    ];

  it.each(rejected)('refuses %s and forwards nothing', async (_name, build, target, status) => {
    const { response, forwarded } = await call(await build(), target ? target() : app());
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(forwarded).toBe(0);
  });
});
