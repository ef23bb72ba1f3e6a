// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${…} in plain strings
import { describe, expect, it } from 'vitest';
import { narrowPolicy, type PolicyDocument, type PolicyStatement } from '../../src/domain/policy/policy.js';
import { PolicyNotNarrowingError } from '../../src/domain/shared/errors.js';

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const allow = (
  Action: string | string[],
  Resource: string | string[],
  Condition?: PolicyStatement['Condition'],
) =>
  Condition
    ? { Effect: 'Allow' as const, Action, Resource, Condition }
    : { Effect: 'Allow' as const, Action, Resource };
const inline = (policy: PolicyDocument) => ({ inline: policy, managedPolicyArns: [] });
const accepts = (ceiling: PolicyDocument, requested: PolicyDocument) => {
  expect(() => narrowPolicy(inline(ceiling), requested)).not.toThrow();
};
const refuses = (ceiling: PolicyDocument, requested: PolicyDocument) => {
  expect(() => narrowPolicy(inline(ceiling), requested)).toThrow(PolicyNotNarrowingError);
};
const LAMBDA = 'arn:aws:lambda:us-east-1:222222222222:function';

describe('known widening classes are refused', () => {
  it('managed session policies without an inline ceiling: an Allow cannot be proven inside them', () => {
    const ceiling = { inline: undefined, managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] };
    expect(() => narrowPolicy(ceiling, doc(allow('*', '*')))).toThrow(PolicyNotNarrowingError);
    expect(() => narrowPolicy(ceiling, doc(allow('s3:GetObject', 'arn:aws:s3:::a/b')))).toThrow(
      PolicyNotNarrowingError,
    );
    const denyOnly = doc({ Effect: 'Deny', Action: 's3:*', Resource: '*' });
    expect(narrowPolicy(ceiling, denyOnly)).toEqual({
      policy: denyOnly,
      managedPolicyArns: ceiling.managedPolicyArns,
    });
  });

  it('managed policies beside an inline ceiling: Allows are proven against the inline ceiling alone', () => {
    const ceiling = {
      inline: doc(allow('s3:GetObject', 'arn:aws:s3:::a/*')),
      managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    };
    expect(() => narrowPolicy(ceiling, doc(allow('s3:GetObject', 'arn:aws:s3:::a/x')))).not.toThrow();
    expect(() => narrowPolicy(ceiling, doc(allow('ec2:Describe*', '*')))).toThrow(PolicyNotNarrowingError);
  });

  it('${*}, ${?} and ${$} in a ceiling are literals, not wildcards', () => {
    refuses(
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/${*}')),
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/x')),
    );
    refuses(
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/${*}')),
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/${aws:SourceIdentity}')),
    );
    refuses(
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/${?}')),
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/x')),
    );
    refuses(
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/${$}x')),
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/yx')),
    );
    accepts(
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/${*}')),
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/${*}')),
    );
    accepts(
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/*')),
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/${*}')),
    );
  });

  it('a wildcard in the ceiling does not cover a requested policy variable', () => {
    const variable = doc(allow('s3:GetObject', 'arn:aws:s3:::a/${aws:SourceIdentity}'));
    refuses(doc(allow('s3:GetObject', 'arn:aws:s3:::a/*')), variable);
    refuses(doc(allow('s3:GetObject', 'arn:aws:s3:::a/$*')), variable);
    refuses(doc(allow('s3:GetObject', 'arn:aws:s3:::a/??????????????????????')), variable);
    refuses(doc(allow('s3:GetObject', 'arn:aws:s3:::a/${aws:PrincipalTag/team}')), variable);
    accepts(doc(allow('s3:GetObject', 'arn:aws:s3:::a/${aws:SourceIdentity}')), variable);
    accepts(
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/${aws:SourceIdentity}/*')),
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/${aws:SourceIdentity}/reports/*')),
    );
  });

  it('a wildcard in the resource-type part of a ceiling ARN proves nothing', () => {
    refuses(
      doc(allow('lambda:*', 'arn:aws:lambda:us-east-1:222222222222:*:x')),
      doc(allow('lambda:*', `${LAMBDA}:x`)),
    );
    refuses(
      doc(allow('iam:*', 'arn:aws:iam::222222222222:ro*/x')),
      doc(allow('iam:GetRole', 'arn:aws:iam::222222222222:role/x')),
    );
  });

  it('a mid-segment * that would have to cross a colon proves nothing', () => {
    refuses(
      doc(allow('lambda:*', `${LAMBDA}:team-*-fn`)),
      doc(allow('lambda:*', `${LAMBDA}:team-x:prod-fn`)),
    );
    accepts(doc(allow('lambda:*', `${LAMBDA}:team-*-fn`)), doc(allow('lambda:*', `${LAMBDA}:team-x-fn`)));
    accepts(doc(allow('lambda:*', `${LAMBDA}:*`)), doc(allow('lambda:*', `${LAMBDA}:team-x:prod`)));
  });

  it('a NotResource with a policy variable proves nothing (without the value it matches nothing)', () => {
    const ceiling = doc({
      Effect: 'Allow',
      Action: 's3:GetObject',
      NotResource: 'arn:aws:s3:::${aws:PrincipalTag/team}data',
    });
    refuses(ceiling, doc(allow('s3:GetObject', 'arn:aws:s3:::data/reports/q1.csv')));
    const plain = doc({ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' });
    accepts(plain, doc(allow('s3:GetObject', 'arn:aws:s3:::data/reports/q1.csv')));
  });

  it('a case-changed resource is not inside the ceiling', () => {
    refuses(
      doc(allow('s3:GetObject', 'arn:aws:s3:::data/*')),
      doc(allow('s3:GetObject', 'arn:aws:s3:::Data/x')),
    );
  });
});

describe('narrowing policies are accepted', () => {
  const powerUser = doc({
    Effect: 'Allow',
    NotAction: ['iam:*', 'organizations:*', 'account:*'],
    Resource: '*',
  });

  it('a NotAction ceiling is narrowed by explicit actions it does not exclude', () => {
    accepts(powerUser, doc(allow(['s3:GetObject', 'ec2:Describe*'], '*')));
    accepts(powerUser, doc(allow('lambda:InvokeFunction', `${LAMBDA}:x`)));
    refuses(powerUser, doc(allow('iam:PassRole', '*')));
    refuses(powerUser, doc(allow('IAM:passrole', '*')));
    refuses(powerUser, doc(allow('*', '*')));
  });

  it('a one-element list equals its scalar', () => {
    const ceiling = doc(
      allow('s3:GetObject', 'arn:aws:s3:::a/*', { StringEquals: { 'aws:PrincipalTag/team': 'x' } }),
    );
    accepts(
      ceiling,
      doc(
        allow(['s3:GetObject'], ['arn:aws:s3:::a/1'], { StringEquals: { 'aws:PrincipalTag/team': ['x'] } }),
      ),
    );
  });

  it('condition keys compare case-insensitively', () => {
    const ceiling = doc(
      allow('s3:GetObject', 'arn:aws:s3:::a/*', { StringEquals: { 'aws:PrincipalTag/team': 'x' } }),
    );
    accepts(
      ceiling,
      doc(allow('s3:GetObject', 'arn:aws:s3:::a/1', { StringEquals: { 'aws:principaltag/team': 'x' } })),
    );
  });

  it('a StringEquals value inside a StringLike pattern of the ceiling is narrower; the reverse is not', () => {
    const ceiling = doc(
      allow('s3:ListBucket', 'arn:aws:s3:::a', { StringLike: { 's3:prefix': ['home/*', 'public/*'] } }),
    );
    accepts(
      ceiling,
      doc(allow('s3:ListBucket', 'arn:aws:s3:::a', { StringEquals: { 's3:prefix': 'home/alice' } })),
    );
    accepts(
      ceiling,
      doc(allow('s3:ListBucket', 'arn:aws:s3:::a', { StringLike: { 's3:prefix': 'home/a*' } })),
    );
    refuses(ceiling, doc(allow('s3:ListBucket', 'arn:aws:s3:::a', { StringLike: { 's3:prefix': '*' } })));
    const exact = doc(allow('s3:ListBucket', 'arn:aws:s3:::a', { StringEquals: { 's3:prefix': 'home/*' } }));
    refuses(exact, doc(allow('s3:ListBucket', 'arn:aws:s3:::a', { StringLike: { 's3:prefix': 'home/*' } })));
  });

  it('IfExists: a condition without it is stricter, one with it does not satisfy a ceiling without it', () => {
    const lenient = doc(
      allow('s3:GetObject', '*', { StringEqualsIfExists: { 'aws:PrincipalTag/team': ['x', 'y'] } }),
    );
    accepts(lenient, doc(allow('s3:GetObject', '*', { StringEquals: { 'aws:PrincipalTag/team': 'x' } })));
    const strict = doc(allow('s3:GetObject', '*', { StringEquals: { 'aws:PrincipalTag/team': 'x' } }));
    refuses(
      strict,
      doc(allow('s3:GetObject', '*', { StringEqualsIfExists: { 'aws:PrincipalTag/team': 'x' } })),
    );
  });

  it('a condition repeated under case variants is not trusted', () => {
    const ceiling = doc(allow('s3:GetObject', '*', { StringEquals: { 'aws:PrincipalTag/team': 'x' } }));
    refuses(
      ceiling,
      doc(
        allow('s3:GetObject', '*', {
          StringEquals: { 'aws:PrincipalTag/team': 'x', 'aws:principaltag/TEAM': 'y' },
        }),
      ),
    );
  });

  it('one requested statement may span several ceiling statements', () => {
    const ceiling = doc(allow('s3:GetObject', 'arn:aws:s3:::a/*'), allow('s3:PutObject', 'arn:aws:s3:::b/*'));
    accepts(ceiling, doc(allow('s3:GetObject', ['arn:aws:s3:::a/1', 'arn:aws:s3:::a/2'])));
    refuses(ceiling, doc(allow(['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::a/1')));
    const split = doc(allow('s3:GetObject', 'arn:aws:s3:::a/*'), allow('s3:GetObject', 'arn:aws:s3:::b/*'));
    accepts(split, doc(allow('s3:GetObject', ['arn:aws:s3:::a/1', 'arn:aws:s3:::b/1'])));
  });

  it('keeps the ceiling denies in what it sends', () => {
    const deny: PolicyStatement = { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' };
    const sent = narrowPolicy(inline(doc(allow('s3:*', '*'), deny)), doc(allow('s3:GetObject', '*')));
    expect(sent.policy.Statement).toEqual([allow('s3:GetObject', '*'), deny]);
  });
});

describe('deny-only narrowing and managed policies credvend could read', () => {
  const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
  const TEAM = 'arn:aws:iam::222222222222:policy/team';
  const readOnly = doc(allow(['s3:Get*', 'ec2:Describe*'], '*'), {
    Effect: 'Deny',
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::secret/*',
  });
  const denyPut = doc({ Effect: 'Deny', Action: 's3:PutObject', Resource: '*' });

  it('a policy of denies alone is sent with the ceiling it narrows', () => {
    const ceiling = doc(allow('s3:*', '*'));
    expect(narrowPolicy(inline(ceiling), denyPut).policy.Statement).toEqual([
      allow('s3:*', '*'),
      { Effect: 'Deny', Action: 's3:PutObject', Resource: '*' },
    ]);
    // No ceiling: the role's own permissions, which Allow * within the session cannot exceed.
    expect(narrowPolicy({ inline: undefined, managedPolicyArns: [] }, denyPut).policy.Statement).toEqual([
      allow('*', '*'),
      { Effect: 'Deny', Action: 's3:PutObject', Resource: '*' },
    ]);
  });

  it('proves an Allow inside a managed policy it read, sending the policy alone with the managed denies', () => {
    const ceiling = {
      inline: undefined,
      managedPolicyArns: [READ_ONLY],
      managedDocuments: new Map([[READ_ONLY, readOnly]]),
    };
    const sent = narrowPolicy(ceiling, doc(allow('s3:GetObject', 'arn:aws:s3:::data/*')));
    expect(sent).toEqual({
      policy: doc(allow('s3:GetObject', 'arn:aws:s3:::data/*'), {
        Effect: 'Deny',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::secret/*',
      }),
      managedPolicyArns: [],
    });
    expect(() => narrowPolicy(ceiling, doc(allow('s3:PutObject', '*')))).toThrow(PolicyNotNarrowingError);
  });

  it('keeps every ARN attached when one managed policy could not be read', () => {
    const ceiling = {
      inline: undefined,
      managedPolicyArns: [READ_ONLY, TEAM],
      managedDocuments: new Map([[READ_ONLY, readOnly]]),
    };
    const sent = narrowPolicy(ceiling, doc(allow('ec2:DescribeInstances', '*')));
    expect(sent).toEqual({
      policy: doc(allow('ec2:DescribeInstances', '*')),
      managedPolicyArns: [READ_ONLY, TEAM],
    });
  });
});
