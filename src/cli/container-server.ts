import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toContainerCredentials } from '../wire/credential-formats.js';
import type { CredentialCache } from './credential-cache.js';

export interface ContainerCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  roleArn: string;
}

export interface ContainerEndpoint {
  url: string;
  token: string;
  server: Server;
  close(): Promise<void>;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The container-credentials endpoint ECS provides, on loopback only: the AWS SDKs and CLI
 * read it through AWS_CONTAINER_CREDENTIALS_FULL_URI and send
 * AWS_CONTAINER_AUTHORIZATION_TOKEN, which this server requires, so another local user
 * cannot read the credentials by connecting to the port.
 */
export async function startContainerEndpoint(
  cache: CredentialCache<ContainerCredentials>,
  port = 0,
  onError: (error: unknown) => void = () => undefined,
): Promise<ContainerEndpoint> {
  const token = randomBytes(24).toString('base64url');
  const allowedHosts = new Set<string>();
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return send(405, { message: 'GET only' });
    // DNS rebinding: a web page may make a browser connect here under a name it controls;
    // only requests that name this loopback endpoint are answered.
    if (!allowedHosts.has(request.headers.host ?? ''))
      return send(421, { message: 'unexpected Host header' });
    if (!sameSecret(request.headers.authorization ?? '', token))
      return send(403, { message: 'wrong or missing authorization token' });
    cache.get().then(
      (c) => send(200, toContainerCredentials({ ...c, expiration: c.expiration.toISOString() }, c.roleArn)),
      (error: unknown) => {
        onError(error);
        send(502, { message: error instanceof Error ? error.message : 'credentials unavailable' });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  allowedHosts.add(`127.0.0.1:${bound}`).add(`localhost:${bound}`);
  return {
    url: `http://127.0.0.1:${bound}/`,
    token,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
