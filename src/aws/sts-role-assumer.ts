import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  type AssumeRoleCommandOutput,
  type STSClient,
} from '@aws-sdk/client-sts';
import type { RoleAssumer } from '../domain/issuance/ports.js';
import {
  StsAccessDeniedError,
  StsRejectedRequestError,
  StsThrottledError,
  StsUnavailableError,
} from '../domain/shared/errors.js';
import type { AssumedRole, IssuancePlan } from '../domain/shared/types.js';

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException']);
const REJECTED = new Set([
  'PackedPolicyTooLarge',
  'PackedPolicyTooLargeException',
  'MalformedPolicyDocument',
  'MalformedPolicyDocumentException',
  'ValidationError',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
/** IAM refused the caller's own key: deleted, deactivated, or not yet propagated. */
const CREDENTIALS_REFUSED = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'ExpiredToken',
]);
/** Seconds a throttled caller is told to wait; STS sends no Retry-After of its own. */
const THROTTLE_RETRY_AFTER_SECONDS = 2;

/** AssumeRole through one injected STSClient, reused across invocations. */
export class StsRoleAssumer implements RoleAssumer {
  constructor(private readonly client: STSClient) {}

  async assumeRole(plan: IssuancePlan): Promise<AssumedRole> {
    let output: AssumeRoleCommandOutput;
    try {
      output = await this.client.send(new AssumeRoleCommand(toAssumeRoleInput(plan)));
    } catch (error) {
      throw mapStsError(error);
    }
    return toAssumedRole(output);
  }
}

export function toAssumeRoleInput(plan: IssuancePlan): AssumeRoleCommandInput {
  const input: AssumeRoleCommandInput = {
    RoleArn: plan.roleArn,
    RoleSessionName: plan.sessionName,
    DurationSeconds: plan.durationSeconds,
    SourceIdentity: plan.sourceIdentity,
  };
  if (plan.sessionPolicy !== undefined) input.Policy = plan.sessionPolicy;
  if (plan.policyArns.length > 0) input.PolicyArns = plan.policyArns.map((arn) => ({ arn }));
  if (plan.tags.length > 0) input.Tags = plan.tags.map((t) => ({ Key: t.key, Value: t.value }));
  if (plan.transitiveTagKeys.length > 0) input.TransitiveTagKeys = [...plan.transitiveTagKeys];
  if (plan.externalId !== undefined) input.ExternalId = plan.externalId;
  return input;
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string')
    return error.name;
  return 'Unknown';
}

function httpStatus(error: unknown): number | undefined {
  if (error && typeof error === 'object' && '$metadata' in error) {
    const metadata = error.$metadata;
    if (metadata && typeof metadata === 'object' && 'httpStatusCode' in metadata) {
      return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
    }
  }
  return undefined;
}

/** True when STS refused the key credvend signed with, not the request it made. */
export function credentialsRefused(error: unknown): boolean {
  const cause = error instanceof StsUnavailableError ? error.cause : error;
  return CREDENTIALS_REFUSED.has(errorName(cause));
}

/** STS's own message is about the request we sent (policy, tags, duration), so it is safe to show. */
function stsMessage(error: unknown): string {
  return error instanceof Error && error.message ? error.message.slice(0, 500) : 'STS rejected the request';
}

function mapStsError(error: unknown): Error {
  const name = errorName(error);
  if (ACCESS_DENIED.has(name)) {
    return new StsAccessDeniedError(
      "the target role refused credvend (check the role's trust policy, ExternalId and tag/source-identity permissions)",
      { cause: error },
    );
  }
  if (REJECTED.has(name))
    return new StsRejectedRequestError(name, `${name}: ${stsMessage(error)}`, { cause: error });
  if (THROTTLED.has(name) || httpStatus(error) === 429) {
    return new StsThrottledError(THROTTLE_RETRY_AFTER_SECONDS, { cause: error });
  }
  return new StsUnavailableError(`STS AssumeRole failed: ${name}`, { cause: error });
}

/** Converts STS's wire output to the domain type, refusing an answer with missing parts. */
function toAssumedRole(output: AssumeRoleCommandOutput): AssumedRole {
  const c = output.Credentials;
  const expiration = c?.Expiration;
  if (
    !c?.AccessKeyId ||
    !c.SecretAccessKey ||
    !c.SessionToken ||
    !(expiration instanceof Date) ||
    Number.isNaN(expiration.getTime()) ||
    !output.AssumedRoleUser?.Arn
  ) {
    throw new StsUnavailableError('STS returned an AssumeRole answer without complete credentials');
  }
  const assumed: AssumedRole = {
    credentials: {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration,
    },
    assumedRoleArn: output.AssumedRoleUser.Arn,
  };
  if (output.PackedPolicySize !== undefined) assumed.packedPolicySize = output.PackedPolicySize;
  if (output.$metadata.requestId !== undefined) assumed.stsRequestId = output.$metadata.requestId;
  return assumed;
}
