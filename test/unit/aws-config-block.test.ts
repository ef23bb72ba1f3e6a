import { describe, expect, it } from 'vitest';
import { planProfiles } from '../../src/cli/aws-config-block.js';
import { configProblems } from '../../src/cli/aws-config-check.js';

const readonly = (entitlement: string, grant = false) => ({
  entitlement,
  account: '222222222222',
  role: 'readonly',
  grant,
});

describe('planProfiles', () => {
  it('names each standing entitlement by its id and asks for it', () => {
    expect(planProfiles('credvend-{entitlement}', 'default', [readonly('a'), readonly('b')])).toEqual([
      { name: 'credvend-a', target: 'a' },
      { name: 'credvend-b', target: 'b' },
    ]);
  });

  it('makes entitlements whose names coincide on one role one profile for the role', () => {
    expect(planProfiles('{account}-{role}', 'default', [readonly('a'), readonly('b')])).toEqual([
      { name: '222222222222-readonly', target: '222222222222/readonly' },
    ]);
  });

  it('names a grant by its role, so the next grant keeps the profile', () => {
    const first = planProfiles('credvend-{entitlement}', 'default', [readonly('grant-r1', true)]);
    const next = planProfiles('credvend-{entitlement}', 'default', [readonly('grant-r2', true)]);
    expect(first).toEqual([{ name: 'credvend-222222222222-readonly', target: '222222222222/readonly' }]);
    expect(next).toEqual(first);
  });

  it('refuses one name for different roles', () => {
    const deploy = { ...readonly('d'), role: 'deploy' };
    expect(() => planProfiles('credvend-{account}', 'default', [readonly('a'), deploy])).toThrow(
      /gives profile credvend-222222222222 to a, d on different roles/,
    );
  });
});

describe('configProblems', () => {
  it('accepts what configparser accepts: comments, continuations, blank lines', () => {
    expect(
      configProblems(
        '# c\n[default]\nregion = x\ns3 =\n  max_concurrent_requests = 2\n\n; c\n[profile a]\nk: v\n',
      ),
    ).toEqual([]);
  });

  it('finds a section twice, a key twice, a line before any section and a line without a value', () => {
    expect(configProblems('x = 1\n[a]\nk = 1\nK = 2\n[a]\nbare\n')).toEqual([
      { line: 1, message: 'a line before the first [section]' },
      { line: 4, message: 'k again in [a] (first on line 3)' },
      { line: 5, message: 'section [a] again (first on line 2)' },
      { line: 6, message: 'not "key = value": bare' },
    ]);
  });
});
