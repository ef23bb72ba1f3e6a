/**
 * The in-memory stand-ins (bench/aws-stand-ins.ts) and an OIDC issuer served over HTTP on
 * loopback, for bundles run in child processes (the cold-start case): the functions point
 * their DynamoDB and STS clients and their issuer here, and their first issuance goes
 * through the same SDK paths as against AWS, with nothing but loopback in between.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequest } from '@smithy/types';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { entitlementToItem } from '../src/aws/entitlement-items.js';
import type { Entitlement } from '../src/domain/shared/types.js';
import { oidcSubject } from '../src/domain/subjects/subjects.js';
import { createStandIns } from './aws-stand-ins.js';

export interface StandInServer {
  url: string;
  /** A token of the issuer for the entitled subject, fresh each call. */
  mint(): Promise<string>;
  /** The subject header the reference handler reads; its Query finds the same role. */
  referenceSubject: string;
  close(): Promise<void>;
}

const SUB = 'cold@example.com';

async function readBody(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  return new Uint8Array(Buffer.concat(chunks));
}

function entitlement(issuer: string): Entitlement {
  return {
    id: 'bench-cold',
    subject: oidcSubject(issuer, SUB),
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-readonly',
    maxDurationSeconds: 3600,
    defaultDurationSeconds: 900,
    managedPolicyArns: [],
    tags: {},
    claimTags: {},
    transitiveTagKeys: [],
    reasonRequired: false,
    effect: 'allow',
    version: 1,
  };
}

function mintToken(issuer: string, key: CryptoKey): Promise<string> {
  return new SignJWT({ email: SUB })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience('credvend')
    .setSubject(SUB)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key);
}

export async function startStandInServer(): Promise<StandInServer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  const standIns = createStandIns();
  let url = '';
  const server: Server = createServer(async (request, response) => {
    if (request.method === 'GET') {
      const body =
        request.url === '/jwks'
          ? { keys: [jwk] }
          : { issuer: url, jwks_uri: `${url}/jwks`, id_token_signing_alg_values_supported: ['ES256'] };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers))
      if (typeof value === 'string') headers[name] = value;
    const smithyRequest: HttpRequest = {
      method: request.method ?? 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: request.url ?? '/',
      query: {},
      headers,
      body: await readBody(request),
    };
    const { response: answer } = await standIns.handler.handle(smithyRequest);
    response.writeHead(answer.statusCode, answer.headers);
    for await (const chunk of answer.body) response.write(chunk);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const item = entitlementToItem(entitlement(url));
  standIns.seed(oidcSubject(url, SUB), [item]);
  standIns.seed('reference', [item]);
  return {
    url,
    mint: () => mintToken(url, privateKey),
    referenceSubject: 'reference',
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
