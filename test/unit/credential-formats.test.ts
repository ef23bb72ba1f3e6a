import { describe, expect, it } from 'vitest';
import {
  commandServing,
  isOutputFormat,
  OUTPUT_FORMATS,
  renderCredentials,
} from '../../src/cli/credential-output.js';
import type { Issuance } from '../../src/domain/issuance/vend.js';
import { FORMAT_ANSWERS } from '../../src/http/credential-formats.js';
import { CREDENTIAL_FORMATS } from '../../src/wire/credential-format-names.js';
import {
  consoleResponseWire,
  containerCredentialsWire,
  credentialsResponseWire,
  processCredentialsWire,
} from '../../src/wire/credentials.js';
import * as z from '../../src/zod-mini.js';

const issuance: Issuance = {
  eventId: 'ev-1',
  plan: {
    entitlementId: 'demo-readonly',
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/reader',
    durationSeconds: 900,
    durationBoundBy: 'request',
    sessionName: 'alice@example.com',
    sourceIdentity: 'alice@example.com.0561798b',
    policyArns: [],
    sessionPolicyChars: 0,
    tags: [],
    transitiveTagKeys: [],
  },
  assumed: {
    assumedRoleArn: 'arn:aws:sts::222222222222:assumed-role/reader/alice@example.com',
    credentials: {
      accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
      secretAccessKey: "se'cret",
      sessionToken: 'token-1',
      expiration: new Date('2026-12-07T09:00:00.000Z'),
    },
  },
};
const consoleUrl = async () => 'https://signin.example.com/federation?Action=login';

describe('credential formats', () => {
  it('the API answers each format in its wire shape, env as quoted export lines', async () => {
    const shapes = {
      json: credentialsResponseWire,
      credential_process: processCredentialsWire,
      container: containerCredentialsWire,
      console: consoleResponseWire,
    };
    for (const format of CREDENTIAL_FORMATS) {
      const answer = await FORMAT_ANSWERS[format](issuance, consoleUrl);
      if (format === 'env') {
        expect(answer).toEqual({
          text: [
            "export AWS_ACCESS_KEY_ID='ASIAEXAMPLEEXAMPLE01'\n",
            "export AWS_SECRET_ACCESS_KEY='se'\\''cret'\n",
            "export AWS_SESSION_TOKEN='token-1'\n",
            "export AWS_CREDENTIAL_EXPIRATION='2026-12-07T09:00:00.000Z'\n",
          ].join(''),
        });
        continue;
      }
      expect('json' in answer, format).toBe(true);
      const body = 'json' in answer ? answer.json : undefined;
      expect(z.strictObject(shapes[format].shape).parse(body), format).toEqual(body);
    }
    const container = await FORMAT_ANSWERS.container(issuance, consoleUrl);
    expect(container).toMatchObject({ json: { Token: 'token-1', RoleArn: issuance.assumed.assumedRoleArn } });
    expect(await FORMAT_ANSWERS.console(issuance, consoleUrl)).toMatchObject({
      json: { url: await consoleUrl() },
    });
  });

  it('the CLI prints env and credential_process exactly as the API answers them', async () => {
    const json = await FORMAT_ANSWERS.json(issuance, consoleUrl);
    const vended = credentialsResponseWire.parse('json' in json ? json.json : undefined);
    const env = await FORMAT_ANSWERS.env(issuance, consoleUrl);
    expect(renderCredentials(vended, 'env')).toBe('text' in env ? env.text : 'not text');
    const process = await FORMAT_ANSWERS.credential_process(issuance, consoleUrl);
    expect(JSON.parse(renderCredentials(vended, 'credential_process'))).toEqual(
      'json' in process ? process.json : undefined,
    );
    expect(JSON.parse(renderCredentials(vended, 'json'))).toEqual(vended);
  });

  it('the CLI prints three formats and names the command serving the other two', () => {
    expect([...OUTPUT_FORMATS].sort()).toEqual(['credential_process', 'env', 'json']);
    expect(isOutputFormat('container')).toBe(false);
    expect(commandServing('container')).toBe('credvend serve');
    expect(commandServing('console')).toBe('credvend console');
    expect(commandServing('env')).toBeUndefined();
    expect(commandServing('yaml')).toBeUndefined();
  });
});
