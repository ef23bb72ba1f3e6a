import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { checkAgainstOpenApi } from './openapi-responses.js';
import { auditApp } from './support.js';

const json = (body: unknown, status = 200, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

describe('responses checked against openapi.json', () => {
  it('GET /openapi.json serves the committed document, to anyone', async () => {
    const response = await auditApp().request('/openapi.json');
    expect(response.status).toBe(200);
    const committed: unknown = JSON.parse(
      await readFile(new URL('../../openapi.json', import.meta.url), 'utf8'),
    );
    expect(await response.json()).toEqual(committed);
  });

  it('accepts a documented answer', async () => {
    await expect(checkAgainstOpenApi('GET', '/healthz', json({ status: 'ok' }))).resolves.toBeUndefined();
  });

  it('refuses a field the contract does not name, a wrong type and an undocumented media type', async () => {
    await expect(checkAgainstOpenApi('GET', '/healthz', json({ status: 'ok', secret: 'x' }))).rejects.toThrow(
      /does not match openapi.json/,
    );
    await expect(
      checkAgainstOpenApi('GET', '/v1/entitlements/mine', json({ entitlements: [{ id: 1 }] })),
    ).rejects.toThrow(/does not match openapi.json/);
    await expect(
      checkAgainstOpenApi(
        'GET',
        '/healthz',
        new Response('ok', { headers: { 'content-type': 'text/plain' } }),
      ),
    ).rejects.toThrow(/documents no 200 answer of type text\/plain/);
  });

  it('checks error answers against the problem schema', async () => {
    await expect(
      checkAgainstOpenApi(
        'GET',
        '/v1/audit/verify',
        json({ title: 'no type' }, 403, 'application/problem+json'),
      ),
    ).rejects.toThrow(/does not match openapi.json/);
  });
});
