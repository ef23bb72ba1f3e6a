import { createHash } from 'node:crypto';
import type { AuditEvent, ChainedAuditEvent } from './audit.js';
import { auditRecordContent } from './fields.js';
import type { AuditLog } from './ports.js';

export const GENESIS_HASH = '0'.repeat(64);

/** Stores a new record; must fail if a record with its id already exists. */
export interface AuditRecordSink {
  putNew(record: ChainedAuditEvent): Promise<void>;
}

/** JSON with object keys sorted at every level, so a hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 over everything in the record but the hash itself, previous link included. */
export function hashRecord(record: Omit<ChainedAuditEvent, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

interface Chain {
  id: string;
  lastSeq: number;
  lastHash: string;
}

/**
 * An append-only audit log made tamper-evident by hash chains.
 *
 * Each chain is owned by exactly one writer and extended one record at a time, so its
 * links are consistent without a global lock or a read-modify-write of a chain head in
 * DynamoDB: a Lambda container, or a local process, holds up to `maxChains` chains and
 * concurrent requests take different ones. A chain whose write fails is retired rather
 * than retried, because a write that timed out may still have landed; the next append
 * opens a fresh chain (seq 0, genesis link), and `verify` checks each chain on its own.
 */
export class ChainedAuditLog implements AuditLog {
  private readonly idle: Chain[] = [];
  private readonly waiting: Array<(chain: Chain | undefined) => void> = [];
  private open = 0;

  constructor(
    private readonly sink: AuditRecordSink,
    private readonly newChainId: () => string,
    private readonly maxChains = 8,
  ) {}

  async append(event: AuditEvent): Promise<void> {
    await this.appendWith(event, (record) => this.sink.putNew(record));
  }

  /**
   * Links `event` into a chain and hands the record to `write`, which stores it together
   * with another change (an entitlement write in one DynamoDB transaction), so that the
   * change and its audit record land together or not at all.
   */
  async appendWith(event: AuditEvent, write: (record: ChainedAuditEvent) => Promise<void>): Promise<void> {
    const chain = await this.acquire();
    const unhashed: Omit<ChainedAuditEvent, 'hash'> = {
      ...auditRecordContent(event),
      day: event.time.slice(0, 10),
      chainId: chain.id,
      seq: chain.lastSeq + 1,
      prevHash: chain.lastHash,
    };
    const record: ChainedAuditEvent = { ...unhashed, hash: hashRecord(unhashed) };
    try {
      await write(record);
    } catch (error) {
      this.retire();
      throw error;
    }
    chain.lastSeq = record.seq;
    chain.lastHash = record.hash;
    this.release(chain);
  }

  private acquire(): Promise<Chain> {
    const chain = this.idle.pop();
    if (chain) return Promise.resolve(chain);
    if (this.open < this.maxChains) return Promise.resolve(this.openChain());
    return new Promise((resolve) => {
      this.waiting.push((handedOver) => resolve(handedOver ?? this.openChain()));
    });
  }

  private openChain(): Chain {
    this.open++;
    return { id: this.newChainId(), lastSeq: -1, lastHash: GENESIS_HASH };
  }

  private release(chain: Chain): void {
    const next = this.waiting.shift();
    if (next) next(chain);
    else this.idle.push(chain);
  }

  private retire(): void {
    this.open--;
    // A waiter takes the freed slot and opens a new chain.
    this.waiting.shift()?.(undefined);
  }
}
