import { describe, expect, it } from 'vitest';
import { sessionAllows } from '../oracle/iam-oracle.js';
import { ALL_FEATURES } from './global-setup.js';
import { ACCOUNT, instantiate, packagedTemplate } from './instantiate.js';

/**
 * The requests function's notice sinks as the packaged template deploys them, judged by the
 * IAM simulator: off, its role may neither publish nor mail; on, it may publish to the one
 * configured topic and mail from the one configured sender, and nothing else.
 */

const TOPIC = ALL_FEATURES.notifySnsTopicArn;
const IDENTITY = `arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`;

async function requestsRolePolicies(which: 'defaults' | 'allFeatures'): Promise<object[]> {
  const template = await packagedTemplate(which);
  const on = which === 'allFeatures';
  const properties = instantiate(template, template.Resources.RequestsRole?.Properties, {
    conditions: { NotifiesBySns: on, NotifiesByEmail: on },
  }) as { Policies?: Array<{ PolicyDocument: object }> };
  return (properties.Policies ?? []).map((p) => p.PolicyDocument);
}

const mailFrom = (address: string) => ({ 'ses:FromAddress': address });

describe('notice sinks, as packaged', () => {
  it('off by default: the requests role may not publish or mail', async () => {
    const role = await requestsRolePolicies('defaults');
    expect(sessionAllows(role, { action: 'sns:Publish', resource: TOPIC, context: {} })).toBe(false);
    expect(
      sessionAllows(role, {
        action: 'ses:SendEmail',
        resource: IDENTITY,
        context: mailFrom('credvend@example.com'),
      }),
    ).toBe(false);
  });

  it('on: publishes to the configured topic only, mails from the configured sender only', async () => {
    const role = await requestsRolePolicies('allFeatures');
    expect(sessionAllows(role, { action: 'sns:Publish', resource: TOPIC, context: {} })).toBe(true);
    expect(
      sessionAllows(role, { action: 'sns:Publish', resource: `${TOPIC}-other`, context: {} }),
      'another topic',
    ).toBe(false);
    expect(
      sessionAllows(role, {
        action: 'ses:SendEmail',
        resource: IDENTITY,
        context: mailFrom(ALL_FEATURES.notifyEmailFrom),
      }),
    ).toBe(true);
    expect(
      sessionAllows(role, {
        action: 'ses:SendEmail',
        resource: IDENTITY,
        context: mailFrom('ceo@example.com'),
      }),
      'another sender',
    ).toBe(false);
    expect(
      sessionAllows(role, {
        action: 'ses:SendRawEmail',
        resource: IDENTITY,
        context: mailFrom(ALL_FEATURES.notifyEmailFrom),
      }),
      'raw mail (arbitrary headers)',
    ).toBe(false);
  });
});
