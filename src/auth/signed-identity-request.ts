import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  SourceData,
} from '@smithy/types';
import { AWS_AUTH_SCHEME, GET_CALLER_IDENTITY_BODY, SERVER_ID_HEADER } from './aws-sigv4-protocol.js';

function toBytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the SigV4 signer wants. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

export interface SignedIdentityOptions {
  /** The credvend server's configured STS endpoint (it refuses any other). */
  stsEndpoint: string;
  serverId: string;
  region: string;
  /** Defaults to the AWS SDK's default credential chain (env, profile, SSO, IMDS, …). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  now?: Date;
}

/**
 * The `Authorization` header value proving the caller's AWS identity to credvend: a
 * GetCallerIdentity request signed with the SDK's own SigV4 signer, not sent.
 */
export async function buildSignedGetCallerIdentity(options: SignedIdentityOptions): Promise<string> {
  const url = new URL(options.stsEndpoint);
  const signer = new SignatureV4({
    credentials: options.credentials ?? defaultProvider(),
    region: options.region,
    service: 'sts',
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        [SERVER_ID_HEADER]: options.serverId,
      },
      body: GET_CALLER_IDENTITY_BODY,
    },
    options.now ? { signingDate: options.now } : {},
  );
  const payload = {
    method: 'POST',
    url: url.href,
    headers: signed.headers,
    body: Buffer.from(GET_CALLER_IDENTITY_BODY).toString('base64'),
  };
  return `${AWS_AUTH_SCHEME} ${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
}
