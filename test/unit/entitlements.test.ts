import { describe, expect, it } from 'vitest';
import { selectEntitlement } from '../../src/domain/issuance/entitlements.js';
import { NotEntitledError } from '../../src/domain/shared/errors.js';
import { caller, entitlement } from './fixtures.js';

const now = new Date('2026-06-01T00:00:00Z');
const aws = caller({
  principal: 'arn:aws:sts::111111111111:assumed-role/ci/build-1',
  authMethod: 'aws-sigv4',
  identityKey: 'aws|arn:aws:iam::111111111111:role/ci',
  subjectKeys: [
    'aws|arn:aws:sts::111111111111:assumed-role/ci/build-1',
    'aws|arn:aws:iam::111111111111:role/ci',
    'aws|arn:aws:iam::111111111111:root',
  ],
});

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NotEntitledError);
    return (error as Error).message;
  }
  return 'no error';
}

describe('selectEntitlement', () => {
  it('denies by default, with the same words whether the entitlement exists for someone else or not at all', () => {
    const others = [entitlement({ id: 'theirs', subject: 'oidc|x|bob' })];
    expect(message(() => selectEntitlement(caller(), others, { entitlementId: 'theirs' }, now))).toBe(
      'you are not entitled to entitlement theirs',
    );
    expect(message(() => selectEntitlement(caller(), [], { entitlementId: 'theirs' }, now))).toBe(
      'you are not entitled to entitlement theirs',
    );
  });

  it('matches by account and role name, roles with a path included', () => {
    const e = entitlement({ roleArn: 'arn:aws:iam::222222222222:role/team/reader' });
    expect(selectEntitlement(caller(), [e], { accountId: '222222222222', roleName: 'reader' }, now)).toBe(e);
  });

  it('honours the validity window', () => {
    const future = entitlement({ notBefore: new Date('2026-07-01T00:00:00Z') });
    const past = entitlement({ notAfter: new Date('2026-05-01T00:00:00Z') });
    expect(() => selectEntitlement(caller(), [future], { entitlementId: 'ent-1' }, now)).toThrow(
      NotEntitledError,
    );
    expect(() => selectEntitlement(caller(), [past], { entitlementId: 'ent-1' }, now)).toThrow(
      NotEntitledError,
    );
  });

  it('prefers the most specific subject: exact principal, then role, then account root', () => {
    const byRoot = entitlement({ id: 'a-root', subject: 'aws|arn:aws:iam::111111111111:root' });
    const byRole = entitlement({ id: 'b-role', subject: 'aws|arn:aws:iam::111111111111:role/ci' });
    const target = { accountId: '222222222222', roleName: 'reader' };
    expect(selectEntitlement(aws, [byRoot, byRole], target, now).id).toBe('b-role');
  });

  it('lets a deny for any of the caller’s subjects win over an allow for a more specific one', () => {
    const allow = entitlement({
      id: 'allow',
      subject: 'aws|arn:aws:sts::111111111111:assumed-role/ci/build-1',
    });
    const deny = entitlement({ id: 'deny', subject: 'aws|arn:aws:iam::111111111111:root', effect: 'deny' });
    expect(message(() => selectEntitlement(aws, [allow, deny], { entitlementId: 'allow' }, now))).toMatch(
      /explicit deny/,
    );
    const expiredDeny = { ...deny, notAfter: new Date('2026-05-01T00:00:00Z') };
    expect(selectEntitlement(aws, [allow, expiredDeny], { entitlementId: 'allow' }, now)).toBe(allow);
    const otherRole = { ...deny, roleArn: 'arn:aws:iam::222222222222:role/admin' };
    expect(selectEntitlement(aws, [allow, otherRole], { entitlementId: 'allow' }, now)).toBe(allow);
  });

  it('compares role names of deny rows ignoring case, as IAM names are unique ignoring case', () => {
    const allow = entitlement({ id: 'allow', roleArn: 'arn:aws:iam::222222222222:role/Deployer' });
    const deny = entitlement({
      id: 'deny',
      roleArn: 'arn:aws:iam::222222222222:role/deployer',
      effect: 'deny',
    });
    expect(
      message(() => selectEntitlement(caller(), [allow, deny], { entitlementId: 'allow' }, now)),
    ).toMatch(/explicit deny/);
  });

  it('never selects a deny row as the entitlement to issue', () => {
    const deny = entitlement({ effect: 'deny' });
    expect(() => selectEntitlement(caller(), [deny], { entitlementId: 'ent-1' }, now)).toThrow(
      NotEntitledError,
    );
  });
});

describe('a standing entitlement and a grant on the same role', () => {
  const standing = entitlement({ id: 'zz-standing' });
  const grant = entitlement({ id: 'grant-01GRANT', accessRequestId: '01GRANT' });
  const byRole = { accountId: '222222222222', roleName: 'reader' };

  it('by account and role: the standing entitlement, whatever the ids sort to; the grant by its id', () => {
    expect(selectEntitlement(caller(), [grant, standing], byRole, now).id).toBe('zz-standing');
    expect(selectEntitlement(caller(), [standing, grant], byRole, now).id).toBe('zz-standing');
    expect(selectEntitlement(caller(), [standing, grant], { entitlementId: 'grant-01GRANT' }, now).id).toBe(
      'grant-01GRANT',
    );
    expect(selectEntitlement(caller(), [grant], byRole, now).id).toBe('grant-01GRANT');
  });
});
