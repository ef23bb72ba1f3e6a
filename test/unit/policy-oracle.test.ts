// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${…} in plain strings
import { validateSessionPolicy } from '@cloud-copilot/iam-policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type NarrowedSession,
  narrowPolicy,
  type PolicyDocument,
  type PolicyStatement,
  statementsOf,
} from '../../src/domain/policy/policy.js';
import { PolicyNotNarrowingError } from '../../src/domain/shared/errors.js';
import { type ConcreteRequest, sessionAllows } from '../oracle/iam-oracle.js';

/**
 * Property: whenever credvend accepts a requested session policy, the session it sends
 * (its inline policy plus the entitlement's managed session policies) is never allowed,
 * on a grid of concrete requests, where the entitlement's own session is not. The judge is
 * an independent IAM simulator. Refusals are measured too: a refused policy that the
 * simulator finds inside the ceiling on the same grid is a false refusal.
 */

const RUNS = Number(process.env.CREDVEND_ORACLE_RUNS ?? 5000);
const LAMBDA = 'arn:aws:lambda:us-east-1:222222222222:function';

const ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:ListBucket',
  'lambda:InvokeFunction',
  'lambda:GetFunction',
  'iam:PassRole',
  'iam:CreateUser',
  'ec2:DescribeInstances',
  'organizations:ListAccounts',
];
const RESOURCES = [
  'arn:aws:s3:::data/reports/q1.csv',
  'arn:aws:s3:::data/home/alice.a1/notes',
  'arn:aws:s3:::data/home/bob.b2/notes',
  'arn:aws:s3:::data',
  'arn:aws:s3:::Data/reports/q1.csv',
  'arn:aws:s3:::data/lit*eral',
  'arn:aws:s3:::data/why?',
  'arn:aws:s3:::data/$cash',
  'arn:aws:s3:::logs/a:b',
  `${LAMBDA}:team-x-fn`,
  `${LAMBDA}:team-x:prod-fn`,
  `${LAMBDA}:team-y-fn:prod`,
  'arn:aws:lambda:eu-west-1:222222222222:function:team-x-fn',
  'arn:aws:iam::222222222222:role/credvend-a',
  'arn:aws:iam::222222222222:role/path/x',
  'arn:aws:iam::222222222222:user/alice.a1',
  'arn:aws:iam::333333333333:role/credvend-a',
  'arn:aws:ec2:us-east-1:222222222222:instance/i-1',
];
const CONTEXTS: Array<Record<string, string>> = [
  {
    'aws:SourceIdentity': 'alice.a1',
    'aws:PrincipalTag/team': 'x',
    's3:prefix': 'home/alice.a1',
    'aws:SecureTransport': 'true',
  },
  {
    'aws:SourceIdentity': 'bob.b2',
    'aws:PrincipalTag/team': 'y',
    's3:prefix': 'public/x',
    'aws:SecureTransport': 'false',
  },
  { 'aws:SourceIdentity': 'alice.a1', 's3:prefix': 'home/*', 'aws:SecureTransport': 'true' },
  { 'aws:SourceIdentity': 'x', 'aws:PrincipalTag/team': 'x*', 'aws:SecureTransport': 'true' },
];
const VARIABLES: Record<string, string> = {
  'alice.a1': '${aws:SourceIdentity}',
  x: '${aws:PrincipalTag/team}',
};
const MANAGED: Record<string, PolicyDocument> = {
  'arn:aws:iam::aws:policy/ReadOnlyAccess': {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 'lambda:Get*', 'ec2:Describe*'], Resource: '*' },
    ],
  },
  'arn:aws:iam::222222222222:policy/team-data': {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::data/*' },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: `${LAMBDA}:team-x-*` },
    ],
  },
};

/**
 * The managed documents credvend reads in production: AWS managed policies only (the vend
 * role's grant, managed-policies.ts); a customer managed policy stays unreadable.
 */
const readable = (arns: readonly string[]) =>
  new Map(
    arns
      .filter((arn) => arn.startsWith('arn:aws:iam::aws:policy/'))
      .map((arn) => [arn, MANAGED[arn] as PolicyDocument]),
  );

/** A pattern made from a concrete string by wildcards, variables, escapes, `$`/`?` runs and case. */
type Mutation = [kind: number, at: number, length: number];
function mutate(text: string, mutations: Mutation[]): string {
  let s = text;
  for (const [kind, at, length] of mutations) {
    const i = s.length === 0 ? 0 : at % s.length;
    const j = Math.min(s.length, i + (length % 6));
    switch (kind % 10) {
      case 0:
        s = `${s.slice(0, i)}*${s.slice(j)}`;
        break;
      case 1:
        s = `${s.slice(0, i)}?${s.slice(i + 1)}`;
        break;
      case 2: {
        const [plain, variable] = Object.entries(VARIABLES)[at % 2] as [string, string];
        s = s.includes(plain) ? s.replace(plain, variable) : `${s.slice(0, i)}${variable}${s.slice(i)}`;
        break;
      }
      case 3:
        s = `${s.slice(0, i)}${['${*}', '${?}', '${$}'][at % 3]}${s.slice(j)}`;
        break;
      case 4:
        s = `${s.slice(0, i)}${['$*', '??', '?????', '$?'][at % 4]}${s.slice(j)}`;
        break;
      case 5:
        s = `${s.slice(0, i)}${s.charAt(i).toUpperCase()}${s.slice(i + 1)}`;
        break;
      case 6:
        s = `${s.slice(0, i)}*`;
        break;
      case 7:
        s = '*';
        break;
      default:
        break;
    }
  }
  return s;
}

const mutations = fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 2 });
const pattern = (pool: string[]) =>
  fc.tuple(fc.constantFrom(...pool), mutations).map(([t, m]) => mutate(t, m));
const oneOrMore = <T>(arb: fc.Arbitrary<T>) =>
  fc
    .array(arb, { minLength: 1, maxLength: 2 })
    .map((xs) => (xs.length === 1 && xs[0] !== undefined ? xs[0] : xs));

/** Condition templates: each operator with keys and values it is meant for. */
const CONDITIONS: Array<[operators: string[], keys: string[], values: string[]]> = [
  [
    ['StringEquals', 'StringLike', 'StringEqualsIfExists', 'StringLikeIfExists', 'StringNotEquals'],
    ['aws:PrincipalTag/team', 'aws:principaltag/TEAM', 'aws:SourceIdentity', 'aws:sourceidentity'],
    ['x', 'y', 'x*', 'alice.a1', '${aws:SourceIdentity}', '*'],
  ],
  [
    ['StringEquals', 'StringLike', 'StringNotLike'],
    ['s3:prefix', 'S3:Prefix'],
    ['home/*', 'home/${aws:SourceIdentity}', 'home/alice.a1', 'public/*', 'public/x'],
  ],
  [
    ['Bool', 'BoolIfExists'],
    ['aws:SecureTransport', 'aws:securetransport'],
    ['true', 'false'],
  ],
];
const condition = fc
  .tuple(fc.nat(), fc.nat(), fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 2 }), fc.boolean())
  .map(([t, o, k, vs, scalar]) => {
    const [operators, keys, values] = CONDITIONS[t % CONDITIONS.length] as [string[], string[], string[]];
    const chosen = vs.map((v) => values[v % values.length] as string);
    const value = scalar && chosen.length === 1 ? chosen[0] : chosen;
    return { [operators[o % operators.length] as string]: { [keys[k % keys.length] as string]: value } };
  });

const statement = (notElements: boolean) =>
  fc
    .record({
      effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Allow', 'Deny'),
      actions: oneOrMore(pattern(ACTIONS)),
      resources: oneOrMore(pattern(RESOURCES)),
      notAction: fc.boolean(),
      notResource: fc.boolean(),
      condition: fc.option(condition, { freq: 2 }),
    })
    .map((g): PolicyStatement => {
      const s: PolicyStatement = { Effect: g.effect };
      if (notElements && g.notAction && g.effect === 'Allow') s.NotAction = ['iam:*', 'organizations:*'];
      else s.Action = g.actions;
      if (notElements && g.notResource && !g.notAction) s.NotResource = g.resources;
      else s.Resource = g.resources;
      if (g.condition) s.Condition = g.condition;
      return s;
    });

/** A requested statement made from a ceiling statement, so that many requests really narrow. */
function derive(from: PolicyStatement, m: Mutation[], keep: boolean[]): PolicyStatement {
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const actions = from.Action ? list(from.Action) : ACTIONS.filter((_, n) => keep[n % keep.length]);
  const resources = from.Resource ? list(from.Resource) : RESOURCES.slice(0, 2);
  const derived: PolicyStatement = {
    Effect: 'Allow',
    Action: actions.map((a, n) => (keep[n] ? a : mutate(a, m))),
    Resource: resources.map((r, n) => mutate(r, keep[n + 1] ? [] : m)),
  };
  if (from.Condition) {
    const [[operator, entries]] = Object.entries(from.Condition) as [[string, Record<string, unknown>]];
    const [[key, value]] = Object.entries(entries) as [[string, unknown]];
    const changed = keep[2] ? operator : operator.replace('Like', 'Equals').replace('IfExists', '');
    const newKey = keep[3] ? key : key.toLowerCase();
    const newValue = keep[4] ? value : Array.isArray(value) ? value.slice(0, 1) : [value];
    derived.Condition = keep[5] ? { [changed]: { [newKey]: newValue } } : { ...from.Condition };
  }
  return derived;
}

const pair = fc
  .record({
    ceiling: fc.option(fc.array(statement(true), { minLength: 1, maxLength: 3 }), { freq: 8 }),
    managed: fc.subarray(Object.keys(MANAGED), { maxLength: 1 }),
    own: fc.array(
      fc.oneof({ arbitrary: statement(false), weight: 9 }, { arbitrary: statement(true), weight: 1 }),
      {
        maxLength: 2,
      },
    ),
    derived: fc.array(fc.tuple(fc.nat(), mutations, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 })), {
      maxLength: 2,
    }),
  })
  .map(({ ceiling, managed, own, derived }) => {
    const ceilingStatements = (ceiling ?? []).filter((s) => s.Effect === 'Allow');
    const fromCeiling = ceilingStatements.length
      ? derived.map(([n, m, keep]) =>
          derive(ceilingStatements[n % ceilingStatements.length] as PolicyStatement, m, keep),
        )
      : [];
    const requested = [...fromCeiling, ...own];
    return {
      inline: ceiling ? ({ Version: '2012-10-17', Statement: ceiling } as PolicyDocument) : undefined,
      managedPolicyArns: managed,
      requested: { Version: '2012-10-17', Statement: requested.length ? requested : own } as PolicyDocument,
    };
  })
  // IAM refuses an invalid policy document outright (no session at all), so only pairs of
  // valid documents say anything about narrowing; the simulator's own validator decides.
  .filter(
    (p) =>
      validateSessionPolicy(p.requested).length === 0 &&
      (!p.inline || validateSessionPolicy(p.inline).length === 0),
  );

/** A concrete string an IAM pattern may match: wildcards filled, variables substituted. */
function instantiate(text: string, context: Record<string, string>, filler: number): string {
  const fills = ['', 'x', 'x:y', '/z'];
  return text.replace(/\$\{[^}]*\}|\*|\?/g, (token) => {
    if (token === '*') return fills[filler % fills.length] ?? '';
    if (token === '?') return filler % 2 === 0 ? 'x' : ':';
    if (token === '${*}' || token === '${?}' || token === '${$}') return token.charAt(2);
    return context[token.slice(2, -1)] ?? token;
  });
}

/**
 * The concrete requests to judge a pair on: every Allow statement's actions and resources
 * instantiated (wildcards filled with text that does and does not contain `:` or `/`,
 * variables substituted) under two request contexts, plus one point from the universe.
 */
function grid(requested: PolicyDocument, pick: number): ConcreteRequest[] {
  const points: ConcreteRequest[] = [];
  const add = (action: string, resource: string, context: Record<string, string>) => {
    // A request names one concrete resource: the simulator reads a `*` in it as a wildcard.
    if (!resource.includes('*') && resource.split(':').length >= 6)
      points.push({ action, resource, context });
  };
  for (const [n, context] of [CONTEXTS[pick % 4], CONTEXTS[(pick + 1) % 4]].entries()) {
    if (!context) continue;
    add(
      ACTIONS[(pick + n) % ACTIONS.length] as string,
      RESOURCES[(pick + n) % RESOURCES.length] as string,
      context,
    );
    for (const s of statementsOf(requested)) {
      if (s.Effect !== 'Allow' || !s.Action || !s.Resource) continue;
      const actions = new Set(
        [s.Action]
          .flat()
          .flatMap((a) =>
            a === '*' ? ['iam:PassRole', 's3:GetObject'] : [instantiate(a, context, pick + n)],
          ),
      );
      const resources = new Set(
        [s.Resource]
          .flat()
          .flatMap((r) =>
            r === '*'
              ? [
                  RESOURCES[pick % RESOURCES.length] as string,
                  RESOURCES[(pick + 7) % RESOURCES.length] as string,
                ]
              : [instantiate(r, context, pick + n), instantiate(r, context, pick + n + 1)],
          ),
      );
      for (const action of actions) for (const resource of resources) add(action, resource, context);
    }
  }
  return points;
}

/** A grid point where `session` is allowed and the ceiling session is not, if any. */
function widening(session: object[], ceilingSession: object[], points: ConcreteRequest[]) {
  return points.find((p) => sessionAllows(session, p) && !sessionAllows(ceilingSession, p));
}

/**
 * Whether each Allow statement of `policy` allows something on the grid: only then does
 * "no widening found on the grid" say the policy narrows, rather than that the grid
 * never reached it.
 */
function everyAllowLive(
  policy: PolicyDocument,
  denies: PolicyStatement[],
  points: ConcreteRequest[],
): boolean {
  return statementsOf(policy)
    .filter((s) => s.Effect === 'Allow')
    .every((s) =>
      points.some((p) => sessionAllows([{ Version: '2012-10-17', Statement: [s, ...denies] }], p)),
    );
}

const hasNotElementsInAllow = (policy: PolicyDocument) =>
  statementsOf(policy).some((s) => s.Effect === 'Allow' && (s.NotAction || s.NotResource));

/** Deny-only requests: one or two Deny statements against any ceiling. */
const denyOnlyPair = fc
  .record({
    ceiling: fc.option(fc.array(statement(true), { minLength: 1, maxLength: 3 }), { freq: 3 }),
    managed: fc.subarray(Object.keys(MANAGED), { maxLength: 1 }),
    denies: fc.array(statement(false), { minLength: 1, maxLength: 2 }),
  })
  .map(({ ceiling, managed, denies }) => ({
    inline: ceiling ? ({ Version: '2012-10-17', Statement: ceiling } as PolicyDocument) : undefined,
    managedPolicyArns: managed,
    requested: {
      Version: '2012-10-17',
      Statement: denies.map((d): PolicyStatement => ({ ...d, Effect: 'Deny' })),
    } as PolicyDocument,
  }))
  .filter(
    (p) =>
      validateSessionPolicy(p.requested).length === 0 &&
      (!p.inline || validateSessionPolicy(p.inline).length === 0),
  );

/** The same statements as Allows: grid() instantiates only Allow statements. */
const asAllows = (...documents: Array<PolicyDocument | undefined>): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: documents
    .filter((d) => d !== undefined)
    .flatMap(statementsOf)
    .map((s): PolicyStatement => ({ ...s, Effect: 'Allow' })),
});

describe('session-policy narrowing, judged by an independent IAM simulator', () => {
  it(`never sends a session wider than the entitlement (${RUNS} generated pairs)`, () => {
    const counts = {
      points: 0,
      accepted: 0,
      acceptedWidening: 0,
      refused: 0,
      refusedCounted: 0,
      refusedNarrowing: 0,
    };
    fc.assert(
      fc.property(pair, fc.nat(), ({ inline, managedPolicyArns, requested }, pick) => {
        const managed = managedPolicyArns.map((arn) => MANAGED[arn] as PolicyDocument);
        const ceilingSession = [...(inline ? [inline] : []), ...managed];
        const points = grid(requested, pick);
        counts.points += points.length;
        let sent: NarrowedSession;
        try {
          sent = narrowPolicy(
            { inline, managedPolicyArns, managedDocuments: readable(managedPolicyArns) },
            requested,
          );
        } catch (error) {
          if (!(error instanceof PolicyNotNarrowingError)) throw error;
          counts.refused++;
          if (hasNotElementsInAllow(requested)) return true;
          counts.refusedCounted++;
          const denies = inline ? statementsOf(inline).filter((s) => s.Effect === 'Deny') : [];
          const asIs = { ...requested, Statement: [...statementsOf(requested), ...denies] };
          // A refusal counts as needless only when the simulator finds no widening on the
          // pair's grid nor on a second one (the other two contexts, other fillers): one
          // grid alone misses what a condition on the unvisited context would reveal.
          if (
            !widening([asIs, ...managed], ceilingSession, points) &&
            everyAllowLive(requested, denies, points) &&
            !widening([asIs, ...managed], ceilingSession, grid(requested, pick + 2))
          ) {
            counts.refusedNarrowing++;
            if (process.env.CREDVEND_ORACLE_SHOW)
              console.log(JSON.stringify({ inline, managedPolicyArns, requested }), (error as Error).message);
          }
          return true;
        }
        counts.accepted++;
        const sentSession = [
          sent.policy,
          ...sent.managedPolicyArns.map((arn) => MANAGED[arn] as PolicyDocument),
        ];
        const found = widening(sentSession, ceilingSession, points);
        if (found) counts.acceptedWidening++;
        return found === undefined;
      }),
      // A failure prints its seed; CREDVEND_ORACLE_SEED replays it.
      {
        numRuns: RUNS,
        ...(process.env.CREDVEND_ORACLE_SEED ? { seed: Number(process.env.CREDVEND_ORACLE_SEED) } : {}),
      },
    );
    // Needless refusals as a share of the policies the simulator finds narrowing: every
    // accepted one (none widens, asserted) and every refused one found narrowing.
    const narrowing = counts.accepted + counts.refusedNarrowing;
    const ratio = narrowing ? counts.refusedNarrowing / narrowing : 0;
    console.log(
      `oracle: ${RUNS} pairs, ${counts.points} grid points, ${counts.accepted} accepted, accepted-and-widening ${counts.acceptedWidening}; ` +
        `${counts.refused} refused, refused-but-narrowing ${counts.refusedNarrowing} of ${narrowing} narrowing policies ` +
        `(${(ratio * 100).toFixed(1)} %, NotAction/NotResource in a requested Allow excluded)`,
    );
    expect(counts.acceptedWidening).toBe(0);
    expect(ratio).toBeLessThanOrEqual(0.05);
  }, 120_000);

  it('sends a policy of denies alone with the ceiling it narrows: exactly the ceiling less the denies', () => {
    let points = 0;
    fc.assert(
      fc.property(denyOnlyPair, fc.nat(), ({ inline, managedPolicyArns, requested }, pick) => {
        const managed = managedPolicyArns.map((arn) => MANAGED[arn] as PolicyDocument);
        const sent = narrowPolicy(
          { inline, managedPolicyArns, managedDocuments: readable(managedPolicyArns) },
          requested,
        );
        const sentSession = [
          sent.policy,
          ...sent.managedPolicyArns.map((arn) => MANAGED[arn] as PolicyDocument),
        ];
        const ceilingSession = [...(inline ? [inline] : []), ...managed];
        const notDenied = [
          {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, ...statementsOf(requested)],
          },
        ];
        const grid_ = grid(asAllows(inline, requested, ...managed), pick);
        points += grid_.length;
        return grid_.every(
          (p) =>
            sessionAllows(sentSession, p) ===
            (sessionAllows(ceilingSession, p) && sessionAllows(notDenied, p)),
        );
      }),
      { numRuns: 120 },
    );
    expect(points).toBeGreaterThan(400);
  }, 60_000);
});
