import { describe, expect, it } from 'vitest';
import { covers, requestHintLine } from '../../src/cli/request-hint.js';

const readonly = {
  id: 'demo-readonly-request',
  accountId: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/team/credvend-readonly',
};

describe('the request hint after a "not entitled" refusal', () => {
  it('a requestable covers its own id and the account/role it gives, path or not', () => {
    expect(covers(readonly, 'demo-readonly-request')).toBe(true);
    expect(covers(readonly, '222222222222/credvend-readonly')).toBe(true);
    expect(covers(readonly, '333333333333/credvend-readonly')).toBe(false);
    expect(covers(readonly, '222222222222/credvend-deploy')).toBe(false);
    expect(covers(readonly, 'demo-readonly')).toBe(false);
  });

  it('names the request to make when one covers the target, else where to look', () => {
    expect(requestHintLine([readonly], '222222222222/credvend-readonly')).toBe(
      "you may request it: credvend request demo-readonly-request --duration 1h --reason '<why>'",
    );
    expect(requestHintLine([readonly], 'demo-deploy')).toBe(
      'what you may use: `credvend roles`; what you may ask for: `credvend requestables`',
    );
  });
});
