/**
 * In-memory stand-ins for DynamoDB and STS at the SDK's HTTP boundary, for the own-CPU
 * bench: the SDK serialises, signs and parses every call exactly as against AWS, and the
 * answer comes back in AWS's wire format (DynamoDB's JSON 1.0, STS's query-protocol XML)
 * without a socket. No local peer answers fast enough for a CPU figure: DynamoDB Local and
 * moto would be the bottleneck. Writes always succeed; Query answers the seeded items.
 */
import { Readable } from 'node:stream';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { HttpRequest, HttpResponse } from '@smithy/types';
import type { RequestHandler } from '../src/compose/runtime.js';

/** One call as the stand-in received it: DynamoDB's target or STS's Action, and the body. */
export interface RecordedCall {
  service: 'dynamodb' | 'sts';
  operation: string;
  body: string;
}

export interface StandIns {
  handler: RequestHandler;
  /** Items a Query for `subject = key` returns. */
  seed(key: string, items: Array<Record<string, AttributeValue>>): void;
  /** Starts recording calls; the function returned stops and gives them. */
  record(): () => RecordedCall[];
}

function respond(statusCode: number, contentType: string, body: string): { response: HttpResponse } {
  return {
    response: {
      statusCode,
      headers: {
        'content-type': contentType,
        'content-length': String(Buffer.byteLength(body)),
        'x-amzn-requestid': crypto.randomUUID(),
      },
      body: Readable.from([Buffer.from(body)]),
    },
  };
}

const xmlEscape = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

let serial = 0;
function accessKeyId(): string {
  serial += 1;
  return `ASIABENCH${String(serial).padStart(11, '0')}`;
}

/** STS AssumeRole's answer for the request's role, session, duration and SourceIdentity. */
function assumeRoleXml(form: URLSearchParams): string {
  const roleArn = form.get('RoleArn') ?? '';
  const session = form.get('RoleSessionName') ?? '';
  const seconds = Number(form.get('DurationSeconds') ?? 3600);
  const [, , , , account = '', resource = ''] = roleArn.split(':');
  const role = resource.split('/').pop() ?? '';
  const sourceIdentity = form.get('SourceIdentity');
  return [
    '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>',
    sourceIdentity ? `<SourceIdentity>${xmlEscape(sourceIdentity)}</SourceIdentity>` : '',
    `<AssumedRoleUser><AssumedRoleId>AROABENCH0000000000000:${xmlEscape(session)}</AssumedRoleId>`,
    `<Arn>arn:aws:sts::${account}:assumed-role/${xmlEscape(role)}/${xmlEscape(session)}</Arn></AssumedRoleUser>`,
    `<Credentials><AccessKeyId>${accessKeyId()}</AccessKeyId>`,
    `<SecretAccessKey>${'s'.repeat(40)}</SecretAccessKey>`,
    `<SessionToken>${'t'.repeat(700)}</SessionToken>`,
    `<Expiration>${new Date(Date.now() + seconds * 1000).toISOString()}</Expiration></Credentials>`,
    '<PackedPolicySize>12</PackedPolicySize>',
    `</AssumeRoleResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  ].join('');
}

function bodyText(request: HttpRequest): string {
  const { body } = request;
  if (typeof body === 'string') return body;
  // Decoded as bytes: the SDK's JSON bodies are Uint8Arrays that warn when read as strings.
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  throw new Error('stand-ins take string or byte bodies only');
}

/** The partition key value of a Query: its key condition's single value. */
function queryKey(body: unknown): string {
  if (typeof body !== 'object' || body === null || !('ExpressionAttributeValues' in body)) return '';
  const values = body.ExpressionAttributeValues;
  if (typeof values !== 'object' || values === null) return '';
  for (const value of Object.values(values)) {
    if (typeof value === 'object' && value !== null && 'S' in value && typeof value.S === 'string')
      return value.S;
  }
  return '';
}

export function createStandIns(): StandIns {
  const tables = new Map<string, Array<Record<string, AttributeValue>>>();
  let calls: RecordedCall[] | undefined;
  const handler: RequestHandler = {
    async handle(request) {
      const body = bodyText(request);
      const target = request.headers['x-amz-target'];
      if (target?.startsWith('DynamoDB_20120810.')) {
        const operation = target.slice('DynamoDB_20120810.'.length);
        calls?.push({ service: 'dynamodb', operation, body });
        const type = 'application/x-amz-json-1.0';
        if (operation === 'Query') {
          const items = tables.get(queryKey(JSON.parse(body))) ?? [];
          return respond(
            200,
            type,
            JSON.stringify({ Items: items, Count: items.length, ScannedCount: items.length }),
          );
        }
        return respond(200, type, '{}');
      }
      const form = new URLSearchParams(body);
      const action = form.get('Action') ?? '';
      calls?.push({ service: 'sts', operation: action, body });
      if (action === 'AssumeRole') return respond(200, 'text/xml', assumeRoleXml(form));
      return respond(
        400,
        'text/xml',
        '<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>',
      );
    },
  };
  return {
    handler,
    seed: (key, items) => tables.set(key, items),
    record: () => {
      const recorded: RecordedCall[] = [];
      calls = recorded;
      return () => {
        calls = undefined;
        return recorded;
      };
    },
  };
}
