import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { profileRegion } from '../../src/cli/region.js';
import { exportCode, unassumeName } from '../../src/cli/shell-code.js';

const HOSTILE = `it's $(echo pwned) \`x\` \\ "q" ; done`;

describe('shell code for credvend-assume', () => {
  it('exports any value byte for byte in bash and fish, running nothing inside it', () => {
    const set: Array<[string, string]> = [['CREDVEND_ASSUMED', HOSTILE]];
    const bash = execFileSync('bash', [
      '--norc',
      '-c',
      `${exportCode('bash', set)}printf %s "$CREDVEND_ASSUMED"`,
    ]).toString();
    expect(bash).toBe(HOSTILE);
    const fish = execFileSync('fish', [
      '--no-config',
      '-c',
      `${exportCode('fish', set)}printf %s "$CREDVEND_ASSUMED"`,
    ]).toString();
    expect(fish).toBe(HOSTILE);
  });

  it('pairs each function with its unassume', () => {
    expect(unassumeName('credvend-assume')).toBe('credvend-unassume');
    expect(unassumeName('assume')).toBe('unassume');
    expect(unassumeName('cv')).toBe('uncv');
  });
});

describe('the region of the target’s AWS profile', () => {
  const config = [
    '[default]',
    'region = us-east-1',
    '[profile a]',
    'region = eu-west-2',
    'credential_process = /usr/bin/node /x/credvend.js --profile work creds demo-readonly --format credential_process',
    '[profile b]',
    'credential_process = credvend creds 222222222222/credvend-deploy --format credential_process',
    'region = ap-south-1',
    '[profile c]',
    'region = not a region',
    'credential_process = credvend creds odd --format credential_process',
  ].join('\n');

  it('is the region of the profile whose credential_process asks credvend for the target', () => {
    expect(profileRegion(config, 'demo-readonly')).toBe('eu-west-2');
    expect(profileRegion(config, '222222222222/credvend-deploy')).toBe('ap-south-1');
  });

  it('is nothing for another target, or a value that is not a region', () => {
    expect(profileRegion(config, 'demo')).toBeUndefined();
    expect(profileRegion(config, 'odd')).toBeUndefined();
  });
});
