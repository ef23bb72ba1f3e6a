import { randomUUID } from 'node:crypto';

/** A refusal, in the shape AWS gives it for the request's protocol, so SDKs and the CLI report it as on AWS. */
export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Protocol = 'json' | 'query' | 's3';

/** What went wrong, in AWS's terms: the error code and its usual HTTP status per protocol. */
export interface RefusalKind {
  code:
    | 'AccessDenied'
    | 'ExpiredToken'
    | 'InvalidClientTokenId'
    | 'SignatureDoesNotMatch'
    | 'ValidationError'
    | 'IamGateUnmappedOperation'
    | 'MissingAuthenticationToken';
  message: string;
}

const QUERY_NAMESPACES: Record<string, string> = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
};

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function status(kind: RefusalKind, protocol: Protocol): number {
  if (kind.code === 'ValidationError') return 400;
  if (kind.code === 'ExpiredToken') return protocol === 's3' ? 400 : 403;
  if (protocol === 'json' && kind.code === 'AccessDenied') return 400;
  return 403;
}

/** JSON protocols name access refusals AccessDeniedException; the others AccessDenied. */
function jsonCode(kind: RefusalKind): string {
  if (kind.code === 'AccessDenied') return 'AccessDeniedException';
  if (kind.code === 'ExpiredToken') return 'ExpiredTokenException';
  if (kind.code === 'InvalidClientTokenId') return 'UnrecognizedClientException';
  if (kind.code === 'SignatureDoesNotMatch') return 'InvalidSignatureException';
  return kind.code;
}

export function refusal(kind: RefusalKind, protocol: Protocol, service: string): Refusal {
  const requestId = randomUUID();
  const code = status(kind, protocol);
  if (protocol === 'json') {
    const type = jsonCode(kind);
    return {
      status: code,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-errortype': type,
        'x-amzn-requestid': requestId,
      },
      body: JSON.stringify({
        __type: `com.amazon.coral.service#${type}`,
        Message: kind.message,
        message: kind.message,
      }),
    };
  }
  if (protocol === 's3') {
    return {
      status: code,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${kind.code}</Code><Message>${xmlEscape(kind.message)}</Message><RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`,
    };
  }
  const namespace = QUERY_NAMESPACES[service] ?? `https://${service}.amazonaws.com/doc/`;
  return {
    status: code,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${kind.code}</Code><Message>${xmlEscape(kind.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
