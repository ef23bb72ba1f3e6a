import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../src/domain/shared/errors.js';
import { parseJsonBody } from '../../src/http/json-body.js';
import { decisionBodyWire } from '../../src/wire/access-requests.js';
import { issuanceRequestWire } from '../../src/wire/credentials.js';
import { explainRequestWire } from '../../src/wire/subjects.js';

describe('the one body rule', () => {
  it('reads an empty body as {}: the route schema decides whether nothing is enough', () => {
    expect(parseJsonBody(decisionBodyWire, '', 'decision')).toEqual({});
    expect(parseJsonBody(decisionBodyWire, ' \n', 'decision')).toEqual({});
    for (const schema of [issuanceRequestWire, explainRequestWire])
      expect(() => parseJsonBody(schema, '', 'x')).toThrow(InvalidRequestError);
  });

  it('refuses malformed JSON and unknown fields alike, naming the schema', () => {
    expect(() => parseJsonBody(decisionBodyWire, '{"comment":', 'decision')).toThrow(
      'the body is not valid JSON',
    );
    expect(() =>
      parseJsonBody(issuanceRequestWire, '{"entitlement":"a","admin":true}', 'credentials request'),
    ).toThrow('the body does not match the credentials request schema');
    expect(parseJsonBody(issuanceRequestWire, '{"entitlement":"a"}', 'credentials request')).toEqual({
      entitlement: 'a',
      format: 'json',
    });
  });
});
