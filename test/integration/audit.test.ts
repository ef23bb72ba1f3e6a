import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventToItem, itemToAuditEvent } from '../../src/aws/audit-items.js';
import { DynamoDbAuditReader } from '../../src/aws/dynamodb-audit-reader.js';
import { DynamoDbAuditSink } from '../../src/aws/dynamodb-audit-sink.js';
import { auditTableDefinition } from '../../src/aws/table-schema.js';
import { ChainedAuditLog, hashRecord } from '../../src/domain/audit/chain.js';
import { newestFirst } from '../../src/domain/audit/merged-pages.js';
import type { AuditPageRequest } from '../../src/domain/audit/query.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import {
  type AuditEventWire,
  auditEventWire,
  auditPageWire,
  verificationReportWire,
} from '../../src/wire/audit.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { problemWire } from '../../src/wire/problem.js';
import { readWire } from '../fixtures/read-wire.js';
import { auditApp, devToken, dynamodb, oidcPrincipal, stack, vendApp } from './support.js';

/** The chain record at `index`; the test fails if the chain is shorter. */
function at(chain: readonly AuditEventWire[], index: number): AuditEventWire {
  const record = chain[index];
  if (!record) throw new Error(`the chain has no record ${index}`);
  return record;
}

const table = () => stack().credvendEnv.CREDVEND_AUDIT_TABLE;

describe('audit queries', () => {
  const audit = auditApp();
  const vend = vendApp();
  const pager = `pager-${Date.now()}@example.com`;
  let auditor: string;
  let issued: { eventId: string; accessKeyId: string };

  const get = async (path: string, token = auditor) =>
    audit.request(path, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    auditor = await devToken('auditor@example.com');
    const pagerToken = await devToken(pager);
    // Seven denials for a caller of its own, from one app instance, so one chain.
    for (let i = 0; i < 7; i++) {
      await vend.request('/v1/credentials', {
        method: 'POST',
        headers: { authorization: `Bearer ${pagerToken}` },
        body: JSON.stringify({ entitlement: 'demo-readonly', reason: `attempt ${i}` }),
      });
    }
    const response = await vend.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
      body: JSON.stringify({ entitlement: 'demo-readonly', reason: 'audit test' }),
    });
    const body = await readWire(response, credentialsResponseWire);
    issued = { eventId: body.eventId, accessKeyId: body.credentials.accessKeyId };
  });

  it.each([
    '/v1/audit/events?from=yesterday&limit=0',
    '/v1/audit/events/not-a-ulid',
    '/v1/audit/verify?from=x',
  ])('refuses a non-auditor asking %s with 403 before validating the query', async (path) => {
    const response = await get(path, await devToken('alice@example.com'));
    expect(response.status).toBe(403);
  });

  it('refuses a caller without the auditor role, and audits the attempt', async () => {
    const response = await get('/v1/audit/events', await devToken('alice@example.com'));
    expect(response.status).toBe(403);
    const problem = await readWire(response, problemWire);
    expect(problem.type).toBe('urn:credvend:problem:forbidden');
    const page = await readWire(
      await get(
        `/v1/audit/events?principal=${encodeURIComponent(oidcPrincipal('alice@example.com'))}&limit=1000`,
      ),
      auditPageWire,
    );
    expect(page.events.find((e) => e.requestId === problem.requestId)).toMatchObject({
      action: 'audit.read',
      outcome: 'denied',
    });
  });

  it('pages through one principal newest first with no duplicate and no gap', async () => {
    const seen: AuditEventWire[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({
        principal: oidcPrincipal(pager),
        limit: '3',
        ...(cursor ? { cursor } : {}),
      });
      const response = await get(`/v1/audit/events?${query}`);
      expect(response.status).toBe(200);
      const page = await readWire(response, auditPageWire);
      seen.push(...page.events);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toHaveLength(7);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(7);
    expect(seen.map((e) => e.reason)).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => `attempt ${i}`));
    expect(seen.every((e) => e.principal === oidcPrincipal(pager) && e.outcome === 'denied')).toBe(true);
  });

  it('filters by account, newest first', async () => {
    const page = await readWire(await get('/v1/audit/events?accountId=222222222222&limit=50'), auditPageWire);
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events.every((e) => e.accountId === '222222222222')).toBe(true);
    const times = page.events.map((e) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('walks all 64 byTime partitions as one newest-first list across pages, the issuance found', async () => {
    const seen: AuditEventWire[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ outcome: 'issued', limit: '200', ...(cursor ? { cursor } : {}) });
      const page = await readWire(await get(`/v1/audit/events?${query}`), auditPageWire);
      seen.push(...page.events);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(cursor).toBeUndefined();
    const times = seen.map((e) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
    expect(seen.every((e) => e.outcome === 'issued')).toBe(true);
    expect(seen.some((e) => e.eventId === issued.eventId)).toBe(true);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(seen.length);
  });

  it('writes a real issuance record for 2 write units: an item under 1 KB and one index entry', async () => {
    const client = dynamodb();
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table(), Key: { eventId: { S: issued.eventId } } }),
    );
    if (!Item) throw new Error('the issuance has no record');
    // The same item in a table of its own: the shared one must keep only real records.
    const scratch = `audit-units-${Date.now()}`;
    await client.send(new CreateTableCommand(auditTableDefinition(scratch)));
    try {
      const { ConsumedCapacity } = await client.send(
        new PutItemCommand({ TableName: scratch, Item, ReturnConsumedCapacity: 'INDEXES' }),
      );
      // The record was 1-2 KB (2 units) with six index entries (8 in all; 16 with whole copies).
      expect(ConsumedCapacity?.Table?.CapacityUnits).toBe(1);
      const perIndex = Object.fromEntries(
        Object.entries(ConsumedCapacity?.GlobalSecondaryIndexes ?? {}).map(([name, c]) => [
          name,
          c.CapacityUnits,
        ]),
      );
      expect(perIndex).toEqual({ byTime: 1 });
      expect(ConsumedCapacity?.CapacityUnits).toBe(2);
    } finally {
      await client.send(new DeleteTableCommand({ TableName: scratch }));
    }
  });

  it('filters by role ARN and by time range', async () => {
    const roleArn = encodeURIComponent(stack().roles.readonly);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = await readWire(
      await get(`/v1/audit/events?roleArn=${roleArn}&from=${future}&to=${future}`),
      auditPageWire,
    );
    expect(later.events).toEqual([]);
    const now = await readWire(await get(`/v1/audit/events?roleArn=${roleArn}&limit=1000`), auditPageWire);
    expect(now.events.some((e) => e.eventId === issued.eventId)).toBe(true);
    expect(now.events.every((e) => e.roleArn === stack().roles.readonly)).toBe(true);
  });

  it('refuses a tampered cursor and a cursor from another query', async () => {
    const first = await readWire(
      await get(`/v1/audit/events?principal=${encodeURIComponent(oidcPrincipal(pager))}&limit=2`),
      auditPageWire,
    );
    const cursor = first.nextCursor ?? '';
    const tampered = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
    const bad = await get(
      `/v1/audit/events?principal=${encodeURIComponent(oidcPrincipal(pager))}&limit=2&cursor=${tampered}`,
    );
    expect(bad.status).toBe(400);
    const other = await get(`/v1/audit/events?outcome=denied&limit=2&cursor=${cursor}`);
    expect(other.status).toBe(400);
  });

  it('refuses a forged cursor: one re-checksummed without the server key, widening its range', async () => {
    const query = `/v1/audit/events?principal=${encodeURIComponent(oidcPrincipal(pager))}&limit=2`;
    const first = await readWire(await get(query), auditPageWire);
    const [payload = ''] = (first.nextCursor ?? '').split('.');
    const position = JSON.parse(inflateRawSync(Buffer.from(payload, 'base64url')).toString()) as object;
    const wider = deflateRawSync(
      JSON.stringify({ ...position, r: ['2000-01-01T00:00:00.000Z', '2099-01-01T00:00:00.000Z'] }),
    ).toString('base64url');
    const checksum = createHash('sha256').update(wider).digest('base64url');
    for (const sum of [checksum, checksum.slice(0, 22)]) {
      expect((await get(`${query}&cursor=${wider}.${sum}`)).status).toBe(400);
    }
  });

  it('refuses two filters at once and unknown parameters', async () => {
    expect((await get('/v1/audit/events?outcome=issued&accountId=222222222222')).status).toBe(400);
    expect((await get('/v1/audit/events?sort=asc')).status).toBe(400);
    expect((await get('/v1/audit/events?limit=1001')).status).toBe(400);
  });

  it('reads one record and finds the issuance behind an access key id', async () => {
    const one = await get(`/v1/audit/events/${issued.eventId}`);
    expect((await readWire(one, auditEventWire)).accessKeyId).toBe(issued.accessKeyId);
    const byKey = await get(`/v1/audit/access-keys/${issued.accessKeyId}`);
    expect(byKey.status).toBe(200);
    expect(await byKey.json()).toMatchObject({
      eventId: issued.eventId,
      principal: oidcPrincipal('alice@example.com'),
      entitlementId: 'demo-readonly',
      reason: 'audit test',
    });
    expect((await get('/v1/audit/access-keys/ASIA0000000000000000')).status).toBe(404);
    expect((await get('/v1/audit/access-keys/not-a-key')).status).toBe(400);
    expect((await get('/v1/audit/events/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
    expect((await get('/v1/audit/events/nope')).status).toBe(400);
  });

  it('exports a filtered range as NDJSON', async () => {
    const response = await get(
      `/v1/audit/events?principal=${encodeURIComponent(oidcPrincipal(pager))}&limit=2&format=ndjson`,
    );
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await response.text()).trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines.map((l) => auditEventWire.parse(JSON.parse(l)).principal)).toEqual(
      Array(7).fill(oidcPrincipal(pager)),
    );
  });

  it('never returns a secret: audit reads carry no secret key or session token fields', async () => {
    const text = await (await get('/v1/audit/events?limit=1000')).text();
    expect(text).not.toMatch(/secretAccessKey|SecretAccessKey|sessionToken|SessionToken/);
  });

  it('answers fuzzed filters with 200 or 4xx, never 5xx', async () => {
    const param = fc.constantFrom(
      'principal',
      'accountId',
      'roleArn',
      'outcome',
      'from',
      'to',
      'limit',
      'cursor',
      'format',
      'x',
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(param, fc.string({ maxLength: 40 }), { maxKeys: 3 }), async (query) => {
        const response = await get(`/v1/audit/events?${new URLSearchParams(query)}`);
        expect(response.status === 200 || (response.status >= 400 && response.status < 500)).toBe(true);
      }),
      // Each valid unfiltered case reads all 64 byTime partitions at least once (a globally
      // ordered page must know every partition's newest entry): ~80 Queries through the gate.
      // 50 runs still reach every parameter alone and in pairs; the 150 it had took minutes.
      { numRuns: 50 },
    );
  }, 90_000);
});

describe('tamper evidence', () => {
  const audit = auditApp();
  let auditor: string;
  let chain: AuditEventWire[];

  const verify = async () => {
    const response = await audit.request('/v1/audit/verify', {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(response.status).toBe(200);
    return await readWire(response, verificationReportWire);
  };

  beforeAll(async () => {
    auditor = await devToken('auditor@example.com');
    const vend = vendApp();
    const caller = `chain-${Date.now()}@example.com`;
    const token = await devToken(caller);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await vend.request('/v1/credentials', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ entitlement: 'demo-readonly' }),
      });
      ids.push((await readWire(response, problemWire)).requestId);
    }
    const page = await readWire(
      await audit.request(`/v1/audit/events?principal=${encodeURIComponent(oidcPrincipal(caller))}`, {
        headers: { authorization: `Bearer ${auditor}` },
      }),
      auditPageWire,
    );
    chain = page.events.filter((e) => ids.includes(e.requestId)).sort((a, b) => a.seq - b.seq);
    expect(chain.map((e) => e.seq)).toEqual([0, 1, 2, 3]);
  });

  async function withCorruption(corrupt: () => Promise<void>, restore: () => Promise<void>) {
    await corrupt();
    try {
      return await verify();
    } finally {
      await restore();
    }
  }

  it('reports ok on untouched data', async () => {
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('catches an edited record', async () => {
    const target = at(chain, 1);
    const client = dynamodb();
    const original = await client.send(
      new GetItemCommand({ TableName: table(), Key: { eventId: { S: target.eventId } } }),
    );
    const report = await withCorruption(
      () =>
        client
          .send(
            new UpdateItemCommand({
              TableName: table(),
              Key: { eventId: { S: target.eventId } },
              UpdateExpression: 'SET principal = :p',
              ExpressionAttributeValues: { ':p': { S: 'someone-else' } },
            }),
          )
          .then(() => undefined),
      () =>
        client
          .send(new PutItemCommand({ TableName: table(), Item: original.Item ?? {} }))
          .then(() => undefined),
    );
    expect(report).toMatchObject({ ok: false, firstBreak: { kind: 'edited', eventId: target.eventId } });
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('catches a deleted record', async () => {
    const target = at(chain, 2);
    const client = dynamodb();
    const original = await client.send(
      new GetItemCommand({ TableName: table(), Key: { eventId: { S: target.eventId } } }),
    );
    const report = await withCorruption(
      () =>
        client
          .send(new DeleteItemCommand({ TableName: table(), Key: { eventId: { S: target.eventId } } }))
          .then(() => undefined),
      () =>
        client
          .send(new PutItemCommand({ TableName: table(), Item: original.Item ?? {} }))
          .then(() => undefined),
    );
    expect(report).toMatchObject({ ok: false, firstBreak: { kind: 'missing', chainId: target.chainId } });
  });

  it('catches an inserted record and a reordered one', async () => {
    const target = at(chain, 1);
    const client = dynamodb();
    const original = await client.send(
      new GetItemCommand({ TableName: table(), Key: { eventId: { S: target.eventId } } }),
    );
    const forgedId = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    // A careful forger: the inserted record's own hash is valid, only its place in the chain is not.
    const { hash: _hash, ...content } = {
      ...itemToAuditEvent(original.Item ?? {}),
      eventId: forgedId,
      reason: 'forged',
    };
    const forged = auditEventToItem({ ...content, hash: hashRecord(content) });
    const inserted = await withCorruption(
      () => client.send(new PutItemCommand({ TableName: table(), Item: forged })).then(() => undefined),
      () =>
        client
          .send(new DeleteItemCommand({ TableName: table(), Key: { eventId: { S: forgedId } } }))
          .then(() => undefined),
    );
    expect(inserted).toMatchObject({ ok: false, firstBreak: { kind: 'inserted', chainId: target.chainId } });

    // Reordering: two records swap places in the sequence (their seq numbers are exchanged).
    const a = at(chain, 1);
    const b = at(chain, 2);
    const setSeq = (id: string, seq: number) =>
      client.send(
        new UpdateItemCommand({
          TableName: table(),
          Key: { eventId: { S: id } },
          UpdateExpression: 'SET seq = :s',
          ExpressionAttributeValues: { ':s': { N: String(seq) } },
        }),
      );
    const reordered = await withCorruption(
      async () => {
        await setSeq(a.eventId, b.seq);
        await setSeq(b.eventId, a.seq);
      },
      async () => {
        await setSeq(a.eventId, a.seq);
        await setSeq(b.eventId, b.seq);
      },
    );
    expect(reordered.ok).toBe(false);
    expect(await verify()).toMatchObject({ ok: true });
  });
});

describe('audit pages merged across partitions (DynamoDB Local)', () => {
  const client = dynamodb();
  const scratch = `audit-merge-${Date.now()}`;
  const log = new ChainedAuditLog(new DynamoDbAuditSink(client, scratch), () => newEventId(), 2);
  const principals = Array.from({ length: 6 }, (_, i) => oidcPrincipal(`merge-${i}@example.com`));
  const base = Date.UTC(2026, 0, 1);
  let written: Array<{ eventId: string; time: string; principal: string }> = [];
  let queries = 0;

  async function append(principal: string, account: number, ms: number) {
    const eventId = newEventId();
    const time = new Date(base + ms).toISOString();
    await log.append({
      eventId,
      time,
      action: 'credentials.issue',
      outcome: 'denied',
      requestId: `merge-${eventId}`,
      principal,
      authMethod: 'oidc',
      accountId: String(100_000_000_000 + account),
    });
    written.push({ eventId, time, principal });
  }

  const expected = (principal?: string) =>
    written
      .filter((r) => !principal || r.principal === principal)
      .sort(newestFirst)
      .map((r) => r.eventId);

  beforeAll(async () => {
    await client.send(new CreateTableCommand(auditTableDefinition(scratch)));
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') queries++;
        return next(args);
      },
      { step: 'initialize', name: 'countQueries' },
    );
    // 120 records over 6 principals × 12 accounts (most of the 64 partitions), many sharing a millisecond.
    written = [];
    for (let n = 0; n < 120; n++) await append(principals[n % 6] ?? '', (n * 7) % 12, (n * 37) % 50);
  });

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: scratch }));
  });

  /** Follows cursors to the end, calling `between` after each page; the Queries of the worst page. */
  async function walk(request: Omit<AuditPageRequest, 'cursor'>, between: (page: number) => Promise<void>) {
    const reader = new DynamoDbAuditReader(client, scratch);
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let worst = 0;
    do {
      queries = 0;
      const page = await reader.page(cursor ? { ...request, cursor } : request);
      worst = Math.max(worst, queries);
      ids.push(...page.events.map((e) => e.eventId));
      cursor = page.nextCursor;
      await between(pages++);
    } while (cursor && pages < 200);
    return { ids, pages, worst };
  }

  it('pages through every partition globally newest first, records arriving between pages neither repeated nor pushing one out', async () => {
    const range = { from: new Date(base).toISOString(), to: new Date(base + 60).toISOString() };
    const before = expected();
    const arrived = new Set<string>();
    const { ids, pages, worst } = await walk({ filter: { by: 'all' }, ...range, limit: 17 }, async (page) => {
      if (page > 3) return;
      // One later than the range, one late-dated inside it, each page.
      const at = written.length;
      await append(principals[page] ?? '', page, 59 - page);
      await append(principals[page + 1] ?? '', page + 5, 1_000);
      for (const r of written.slice(at)) arrived.add(r.eventId);
    });
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !arrived.has(id))).toEqual(before);
    const times = new Map(written.map((r) => [r.eventId, r]));
    const listed = ids.map((id) => times.get(id) ?? { time: '', eventId: id });
    expect([...listed].sort(newestFirst)).toEqual(listed);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(120 / 17));
    expect(worst).toBeLessThanOrEqual(64 + 16);
  });

  it('reads the records of several chains in one walk of the 64 partitions, not one walk each', async () => {
    const sink = new DynamoDbAuditSink(client, scratch);
    const ids: string[] = [];
    for (const writer of [1, 2, 3]) {
      const chained = new ChainedAuditLog(sink, () => newEventId(), 1);
      for (let n = 0; n < 3; n++) {
        const eventId = newEventId();
        ids.push(eventId);
        await chained.append({
          eventId,
          time: new Date().toISOString(),
          action: 'credentials.issue',
          outcome: 'denied',
          requestId: `chains-${writer}-${n}`,
          principal: principals[writer] ?? '',
          authMethod: 'oidc',
          accountId: String(100_000_000_000 + n * 5),
        });
      }
    }
    const reader = new DynamoDbAuditReader(client, scratch);
    const chainIds = await reader.chainsBetween(
      new Date(Date.now() - 60_000).toISOString(),
      new Date().toISOString(),
    );
    expect(chainIds).toHaveLength(3);
    queries = 0;
    const records = await reader.chains(chainIds);
    expect(records.map((r) => r.eventId).sort()).toEqual([...ids].sort());
    expect(queries).toBe(64);
  });

  it('pages through one principal’s row in the order of the whole range', async () => {
    const principal = principals[1] ?? '';
    const range = { from: new Date(base).toISOString(), to: new Date(base + 2_000).toISOString() };
    const { ids, worst } = await walk(
      { filter: { by: 'principal', value: principal }, ...range, limit: 4 },
      async () => {},
    );
    expect(ids).toEqual(expected(principal));
    expect(worst).toBeLessThanOrEqual(8 + 16);
  });
});
