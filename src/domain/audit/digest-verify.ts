import { constants, type KeyObject, verify } from 'node:crypto';
import * as z from 'zod';
import type { ChainedAuditEvent } from './audit.js';
import {
  type AdvancedChain,
  type ChainHead,
  digestSigningString,
  type SignedDigest,
  signedDigestHash,
} from './digest.js';
import { chainBreaks } from './verify.js';

/** A digest object as stored: its key and its raw body. Nothing in it is trusted until verified. */
export interface DigestObject {
  key: string;
  body: string;
}

/** Digests by time, wherever they are kept: S3, or a directory an auditor downloaded. */
export interface DigestSource {
  /** Every digest whose window (start, end] overlaps [from, to], in key order. */
  overlapping(from: string, to: string): Promise<DigestObject[]>;
  get(key: string): Promise<DigestObject | undefined>;
}

export type FindingKind =
  // one chain's own links
  | 'edited'
  | 'missing'
  | 'inserted'
  | 'reordered'
  | 'bad-start'
  // the table against the digests
  | 'truncated'
  | 'rehashed'
  | 'deleted-chain'
  | 'fabricated-chain'
  | 'backdated'
  | 'forward-dated'
  | 'unanchored'
  | 'digests-end-early'
  // the export an offline verification was given
  | 'unreadable-record'
  | 'incomplete-export'
  // the digests themselves
  | 'malformed-digest'
  | 'bad-signature'
  | 'missing-digest'
  | 'broken-digest-link'
  | 'misplaced-digest'
  | 'swapped-digests';

/**
 * Errors break verification. `digests-end-early` is a warning: the digests given stop before
 * the newest record, so the records after them are vouched for by nothing (fetch newer digests).
 * `unanchored` is a note per such record.
 */
export interface Finding {
  kind: FindingKind;
  severity: 'error' | 'warning' | 'info';
  detail: string;
  chainId?: string;
  seq?: number;
  eventId?: string;
  digestKey?: string;
}

export interface AuditVerificationReport {
  ok: boolean;
  from: string;
  to: string;
  chainsChecked: number;
  recordsChecked: number;
  /** Whether digests were checked at all (no digest bucket configured: chain links only). */
  anchoring: 'digests' | 'chains-only';
  digestsChecked: number;
  anchoredRecords: number;
  unanchoredRecords: number;
  lastDigest?: { key: string; endTime: string };
  /** Every finding, errors first; at most `MAX_FINDINGS`. */
  findings: Finding[];
  findingsOmitted: number;
  /** The first error, kept for callers of the chain-only report. */
  firstBreak?: Finding;
}

const MAX_FINDINGS = 1000;

const head = { chainId: z.string(), seq: z.number().int().min(0), hash: z.string(), time: z.string() };
const signedDigestSchema = z.object({
  digest: z.object({
    version: z.literal(1),
    key: z.string(),
    startTime: z.string(),
    endTime: z.string(),
    previousDigest: z.object({ key: z.string(), hash: z.string() }).nullable(),
    advanced: z.array(z.object({ ...head, fromSeq: z.number().int().min(0), records: z.number().int() })),
    known: z.array(z.object(head)),
    recordCount: z.number().int(),
    knownChainCount: z.number().int(),
    forwardDated: z
      .array(
        z.object({
          chainId: z.string(),
          seq: z.number().int().min(0),
          eventId: z.string(),
          time: z.string(),
          hash: z.string(),
          seenAt: z.string(),
        }),
      )
      .optional(),
  }),
  signingAlgorithm: z.enum(['ECDSA_SHA_256', 'RSASSA_PSS_SHA_256']),
  keyId: z.string(),
  signature: z.string(),
});

export function parseSignedDigest(body: string): SignedDigest | undefined {
  try {
    const parsed = signedDigestSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a digest's signature with the public key alone (KMS's ECDSA signatures are DER). */
function digestSignatureValid(publicKey: KeyObject, signed: SignedDigest): boolean {
  const message = Buffer.from(digestSigningString(signed.digest));
  const signature = Buffer.from(signed.signature, 'base64');
  if (signed.signingAlgorithm === 'ECDSA_SHA_256') return verify('sha256', message, publicKey, signature);
  return verify(
    'sha256',
    message,
    { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    signature,
  );
}

interface Anchor extends ChainHead {
  digestKey: string;
  fromSeq?: number;
}

interface DigestCheck {
  findings: Finding[];
  anchors: Map<string, Anchor[]>;
  /** Records with time in (coveredFrom, coveredTo] should all be anchored by the digests read. */
  covered?: { from: string; to: string };
  lastDigest?: { key: string; endTime: string };
  checked: number;
}

function error(kind: FindingKind, detail: string, at: Omit<Finding, 'kind' | 'severity' | 'detail'> = {}) {
  return { kind, severity: 'error' as const, detail, ...at };
}

/** Verifies each digest's signature, its key and its link to the previous one. */
async function checkDigests(source: DigestSource, publicKey: KeyObject, from: string, to: string) {
  const objects = await source.overlapping(from, to);
  const check: DigestCheck = { findings: [], anchors: new Map(), checked: objects.length };
  const valid: Array<{ key: string; signed: SignedDigest }> = [];
  const misplaced = new Map<string, string>();
  let previous: { key: string; signed?: SignedDigest } | undefined;
  for (const object of objects) {
    const signed = parseSignedDigest(object.body);
    if (!signed) {
      check.findings.push(error('malformed-digest', 'not a credvend digest', { digestKey: object.key }));
      previous = { key: object.key };
      continue;
    }
    if (!digestSignatureValid(publicKey, signed)) {
      check.findings.push(
        error('bad-signature', `signature does not verify with the public key (keyId ${signed.keyId})`, {
          digestKey: object.key,
        }),
      );
    } else valid.push({ key: object.key, signed });
    if (signed.digest.key !== object.key) misplaced.set(object.key, signed.digest.key);
    check.findings.push(...(await linkFindings(source, object.key, signed, previous)));
    previous = { key: object.key, signed };
  }
  check.findings.push(...misplacedFindings(misplaced));
  for (const { key, signed } of valid) {
    if (misplaced.has(key)) continue;
    const anchorsOf = (chain: ChainHead | AdvancedChain) => {
      const list = check.anchors.get(chain.chainId) ?? [];
      list.push({ ...chain, digestKey: key });
      check.anchors.set(chain.chainId, list);
    };
    for (const chain of signed.digest.advanced) anchorsOf(chain);
    for (const chain of signed.digest.known) anchorsOf(chain);
  }
  check.findings.push(...forwardDatedFindings(valid.filter(({ key }) => !misplaced.has(key))));
  const first = valid[0]?.signed.digest;
  const last = valid.at(-1)?.signed.digest;
  if (first && last) {
    check.covered = { from: first.startTime, to: last.endTime };
    check.lastDigest = { key: last.key, endTime: last.endTime };
  }
  return check;
}

/** The link from one digest to its predecessor: the key it names must exist and hash to the link. */
async function linkFindings(
  source: DigestSource,
  key: string,
  signed: SignedDigest,
  previous: { key: string; signed?: SignedDigest } | undefined,
): Promise<Finding[]> {
  const link = signed.digest.previousDigest;
  if (!link) {
    return previous
      ? [error('broken-digest-link', `starts a new digest chain after ${previous.key}`, { digestKey: key })]
      : [];
  }
  let predecessor = previous?.key === link.key ? previous.signed : undefined;
  if (!previous || previous.key !== link.key) {
    const fetched = await source.get(link.key);
    if (!fetched) {
      return [error('missing-digest', `previous digest ${link.key} is gone`, { digestKey: link.key })];
    }
    predecessor = parseSignedDigest(fetched.body);
    if (previous)
      return [
        error('broken-digest-link', `links to ${link.key}, but the digest before it is ${previous.key}`, {
          digestKey: key,
        }),
      ];
  }
  if (!predecessor || signedDigestHash(predecessor) !== link.hash) {
    return [
      error('broken-digest-link', `the hash of ${link.key} does not match the link in this digest`, {
        digestKey: key,
      }),
    ];
  }
  return [];
}

/** Records a digest writer refused to anchor because they were dated after its run. */
function forwardDatedFindings(valid: ReadonlyArray<{ key: string; signed: SignedDigest }>): Finding[] {
  const named = new Map<string, Finding>();
  for (const { key, signed } of valid) {
    for (const r of signed.digest.forwardDated ?? []) {
      if (named.has(r.eventId)) continue;
      named.set(
        r.eventId,
        error('forward-dated', `dated ${r.time}, already in the table at ${r.seenAt}: never anchored`, {
          chainId: r.chainId,
          seq: r.seq,
          eventId: r.eventId,
          digestKey: key,
        }),
      );
    }
  }
  return [...named.values()];
}

/** A warning when the digests stop before the newest record: what follows them is vouched for by nothing. */
function digestsEndEarly(
  records: readonly ChainedAuditEvent[],
  lastDigest: { key: string; endTime: string } | undefined,
): Finding[] {
  const newest = records.reduce<ChainedAuditEvent | undefined>(
    (latest, r) => (latest && latest.time >= r.time ? latest : r),
    undefined,
  );
  if (!newest || (lastDigest && lastDigest.endTime >= newest.time)) return [];
  const after = records.filter((r) => !lastDigest || r.time > lastDigest.endTime).length;
  const end = lastDigest ? `end at ${lastDigest.endTime}` : 'are none';
  return [
    {
      kind: 'digests-end-early',
      severity: 'warning',
      detail: `the digests given ${end}, before the newest record (${newest.time}): ${after} records after them are not anchored; verify again with newer digests`,
      ...(lastDigest ? { digestKey: lastDigest.key } : {}),
    },
  ];
}

function misplacedFindings(misplaced: Map<string, string>): Finding[] {
  const findings: Finding[] = [];
  for (const [key, claimed] of misplaced) {
    if (misplaced.get(claimed) === key) {
      if (key < claimed)
        findings.push(
          error('swapped-digests', `${key} and ${claimed} hold each other's digest`, { digestKey: key }),
        );
    } else
      findings.push(error('misplaced-digest', `holds the digest written as ${claimed}`, { digestKey: key }));
  }
  return findings;
}

interface ChainVerdict {
  findings: Finding[];
  anchored: number;
  unanchored: number;
}

/** One chain against its anchors: truncation, a re-hashed suffix, deletion, records no digest knows. */
function checkChain(
  chainId: string,
  records: ChainedAuditEvent[],
  anchors: Anchor[],
  covered: DigestCheck['covered'],
  inRange: (record: ChainedAuditEvent) => boolean,
): ChainVerdict {
  const findings: Finding[] = chainBreaks(records).map((b) => error(b.kind, b.detail, b));
  const bySeq = new Map<number, ChainedAuditEvent>();
  for (const record of records) if (!bySeq.has(record.seq)) bySeq.set(record.seq, record);
  const isCovered = (record: ChainedAuditEvent) =>
    covered !== undefined && record.time > covered.from && record.time <= covered.to;
  const verdict: ChainVerdict = { findings, anchored: 0, unanchored: 0 };
  const top = anchors.reduce<Anchor | undefined>(
    (best, a) => (best && best.seq >= a.seq ? best : a),
    undefined,
  );
  if (!top) {
    for (const record of records.filter(inRange)) {
      if (isCovered(record)) {
        findings.push(
          error('fabricated-chain', 'chain unknown to every digest whose window holds this record', record),
        );
      } else unanchoredRecord(verdict, record);
    }
    return verdict;
  }
  if (records.length === 0) {
    const from = Math.min(...anchors.map((a) => a.fromSeq ?? a.seq));
    findings.push(
      error('deleted-chain', `seq ${from}..${top.seq} anchored by ${top.digestKey} are all gone`, {
        chainId,
        digestKey: top.digestKey,
      }),
    );
    return verdict;
  }
  const tableTop = Math.max(...records.map((r) => r.seq));
  for (let seq = tableTop + 1; seq <= top.seq; seq++) {
    findings.push(error('truncated', `anchored by ${top.digestKey}, gone from the table`, { chainId, seq }));
  }
  let lastGood = -1;
  for (const anchor of [...anchors].sort((a, b) => a.seq - b.seq)) {
    const record = bySeq.get(anchor.seq);
    if (!record) continue;
    if (record.hash === anchor.hash) lastGood = Math.max(lastGood, anchor.seq);
    else if (!findings.some((f) => f.kind === 'rehashed' && f.seq === anchor.seq)) {
      findings.push(
        error(
          'rehashed',
          `hash differs from the head anchored by ${anchor.digestKey}: seq ${lastGood + 1}..${anchor.seq} were re-hashed or replaced`,
          { ...record, digestKey: anchor.digestKey },
        ),
      );
    }
  }
  for (const record of records.filter(inRange)) {
    if (record.seq <= top.seq) verdict.anchored++;
    else if (isCovered(record))
      findings.push(
        error('backdated', `not anchored, though older than the end of ${top.digestKey}`, record),
      );
    else unanchoredRecord(verdict, record);
  }
  return verdict;
}

function unanchoredRecord(verdict: ChainVerdict, record: ChainedAuditEvent): void {
  verdict.unanchored++;
  const { chainId, seq, eventId } = record;
  verdict.findings.push({
    kind: 'unanchored',
    severity: 'info',
    detail: 'newer than the last digest',
    chainId,
    seq,
    eventId,
  });
}

/** Chain links only, for a deployment without digests: truncation and forgery stay invisible. */
export function verifyChainsOnly(from: string, to: string, records: readonly ChainedAuditEvent[]) {
  const byChain = new Map<string, ChainedAuditEvent[]>();
  for (const record of records) byChain.set(record.chainId, [...(byChain.get(record.chainId) ?? []), record]);
  const findings = [...byChain.values()].flatMap((chain) =>
    chainBreaks(chain).map((b) => error(b.kind, b.detail, b)),
  );
  return report(
    { from, to, chainsChecked: byChain.size, recordsChecked: records.length },
    'chains-only',
    findings,
    {
      checked: 0,
      anchored: 0,
      unanchored: records.length,
    },
  );
}

/**
 * Verifies audit records against the digest chain, trusting only `publicKey`: every
 * finding names the record (chain, seq, event id) or the digest it is about.
 * `records` holds every record of each chain to check, in any order.
 */
export async function verifyAgainstDigests(input: {
  from: string;
  to: string;
  records: readonly ChainedAuditEvent[];
  digests: DigestSource;
  publicKey: KeyObject;
  /** Offline: what the export itself says it is missing (its error lines). */
  exportErrors?: readonly Finding[];
}): Promise<AuditVerificationReport> {
  const { from, to } = input;
  const digests = await checkDigests(input.digests, input.publicKey, from, to);
  const byChain = new Map<string, ChainedAuditEvent[]>();
  for (const record of input.records) {
    const list = byChain.get(record.chainId) ?? [];
    list.push(record);
    byChain.set(record.chainId, list);
  }
  for (const chainId of digests.anchors.keys()) if (!byChain.has(chainId)) byChain.set(chainId, []);
  const findings = [...(input.exportErrors ?? []), ...digests.findings];
  let anchored = 0;
  let unanchored = 0;
  const inRange = (r: ChainedAuditEvent) => r.time >= from && r.time <= to;
  for (const [chainId, records] of [...byChain].sort(([a], [b]) => a.localeCompare(b))) {
    const verdict = checkChain(
      chainId,
      records,
      digests.anchors.get(chainId) ?? [],
      digests.covered,
      inRange,
    );
    findings.push(...verdict.findings);
    anchored += verdict.anchored;
    unanchored += verdict.unanchored;
  }
  findings.push(...digestsEndEarly(input.records.filter(inRange), digests.lastDigest));
  return report(
    { from, to, chainsChecked: byChain.size, recordsChecked: input.records.length },
    'digests',
    findings,
    {
      checked: digests.checked,
      anchored,
      unanchored,
      ...(digests.lastDigest ? { last: digests.lastDigest } : {}),
    },
  );
}

/** Assembles a report; also used for chain-only verification. */
function report(
  scope: { from: string; to: string; chainsChecked: number; recordsChecked: number },
  anchoring: AuditVerificationReport['anchoring'],
  all: Finding[],
  digests: { checked: number; anchored: number; unanchored: number; last?: { key: string; endTime: string } },
): AuditVerificationReport {
  const errors = all.filter((f) => f.severity === 'error');
  const warnings = all.filter((f) => f.severity === 'warning');
  const findings = [...errors, ...warnings, ...all.filter((f) => f.severity === 'info')];
  const firstBreak = errors[0];
  return {
    ok: errors.length === 0,
    ...scope,
    anchoring,
    digestsChecked: digests.checked,
    anchoredRecords: digests.anchored,
    unanchoredRecords: digests.unanchored,
    ...(digests.last ? { lastDigest: digests.last } : {}),
    findings: findings.slice(0, MAX_FINDINGS),
    findingsOmitted: Math.max(0, findings.length - MAX_FINDINGS),
    ...(firstBreak ? { firstBreak } : {}),
  };
}
