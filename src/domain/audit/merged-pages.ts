import { InvalidRequestError } from '../shared/errors.js';
import { mapLimited } from '../shared/map-limited.js';

/** A place in newest-first order: an index entry's time, ties broken by event id (higher first). */
export interface EntryKey {
  time: string;
  eventId: string;
}

/** Negative when `a` comes first newest-first, positive when `b` does, 0 for the same entry. */
export function newestFirst(a: EntryKey, b: EntryKey): number {
  if (a.time !== b.time) return a.time < b.time ? 1 : -1;
  return a.eventId === b.eventId ? 0 : a.eventId < b.eventId ? 1 : -1;
}

export interface PartitionRead<T extends EntryKey> {
  /** The entries that matched. */
  entries: T[];
  /** The last entry the read examined, matched or filtered out; absent: nothing is left after it. */
  stoppedAt?: EntryKey;
}

/** Which entries of a partition one read examines: those dated at or before `upTo`, or exactly at `at`. */
export type TimeBound = { upTo?: string } | { at: string };

/**
 * The partitions one query reads (DynamoDB index partitions, each sorted by time), already
 * bound to the query's time range and filter. Entries of the same time come in whatever order
 * the store keeps them: the merge orders them itself.
 */
export interface TimeOrderedPartitions<T extends EntryKey> {
  readonly partitions: number;
  /**
   * Examines up to `limit` entries of `partition` within `bound` (and the query's range),
   * newest time first, and returns those that match the filter. `continueFrom` is the
   * `stoppedAt` of the previous read with the same bound: the read goes on exactly there.
   */
  read(
    partition: number,
    bound: TimeBound,
    limit: number,
    continueFrom?: EntryKey,
  ): Promise<PartitionRead<T>>;
}

/** Sorts after every event id (a ULID) of its time: a lane stopped there has read none of that time. */
const BEFORE_ALL_OF_TIME = '~';
/** Sorts before every event id of its time: a lane stopped there has read all of that time. */
const AFTER_ALL_OF_TIME = '!';

/** Every entry of one time in a partition, however many reads it takes. */
async function wholeTime<T extends EntryKey>(
  source: TimeOrderedPartitions<T>,
  partition: number,
  time: string,
  limit: number,
): Promise<T[]> {
  const entries: T[] = [];
  let read = await source.read(partition, { at: time }, limit);
  entries.push(...read.entries);
  while (read.stoppedAt) {
    read = await source.read(partition, { at: time }, limit, read.stoppedAt);
    entries.push(...read.entries);
  }
  return entries;
}

/**
 * A read of the entries strictly older than `after` in newest-first order, sorted so. A read
 * that stops part-way through one time leaves that time to the next read (its entries may come
 * in any order), unless the whole read was within the time it started at: then that time is
 * read to its end, so every read makes progress.
 */
async function readOlder<T extends EntryKey>(
  source: TimeOrderedPartitions<T>,
  partition: number,
  after: EntryKey | undefined,
  limit: number,
): Promise<PartitionRead<T>> {
  const older = (e: EntryKey) => !after || newestFirst(e, after) > 0;
  const read = await source.read(partition, after ? { upTo: after.time } : {}, limit);
  const stop = read.stoppedAt?.time;
  if (stop === undefined) return { entries: read.entries.filter(older).sort(newestFirst) };
  if (stop !== after?.time) {
    const entries = read.entries.filter((e) => e.time !== stop && older(e)).sort(newestFirst);
    return { entries, stoppedAt: { time: stop, eventId: BEFORE_ALL_OF_TIME } };
  }
  const entries = (await wholeTime(source, partition, stop, limit)).filter(older).sort(newestFirst);
  return { entries, stoppedAt: { time: stop, eventId: AFTER_ALL_OF_TIME } };
}

/**
 * Where a merged walk stands between pages. A partition resumes after `after`, the last entry
 * returned (from the top of the range before the first), unless it is `done` or its reads
 * already went further (`at`: entries past `after` that its filter skipped).
 */
export interface MergePosition {
  after?: EntryKey;
  done: number[];
  at: Array<{ partition: number; key: EntryKey }>;
}

export interface MergeLimits {
  /** Entries one page returns at most. */
  limit: number;
  /** Reads one page may make beyond one per partition (the first page must read each). */
  extraReads: number;
  /** The most entries one read examines; a partition's reads double up to it within a page. */
  maxBatch: number;
  /** Reads in flight at once. */
  concurrency: number;
}

export interface MergedPage<T extends EntryKey> {
  entries: T[];
  /** Absent when every partition is read to its end. */
  next?: MergePosition;
  reads: number;
}

interface Lane<T extends EntryKey> {
  partition: number;
  /** Matched entries read and not yet returned, newest first. */
  buffer: T[];
  /** Where the next read starts (exclusive); absent: the top of the range. */
  from?: EntryKey;
  /** Nothing left to read. */
  done: boolean;
  batch: number;
}

function lanesAt<T extends EntryKey>(
  partitions: number,
  position: MergePosition | undefined,
  batch: number,
): Array<Lane<T>> {
  const named = [...(position?.done ?? []), ...(position?.at ?? []).map((a) => a.partition)];
  if (
    named.some((p) => !Number.isInteger(p) || p < 0 || p >= partitions) ||
    new Set(named).size < named.length
  )
    throw new InvalidRequestError('cursor is invalid or belongs to another query');
  const done = new Set(position?.done);
  const at = new Map((position?.at ?? []).map((a) => [a.partition, a.key]));
  return Array.from({ length: partitions }, (_, partition) => {
    const from = at.get(partition) ?? position?.after;
    return { partition, buffer: [], done: done.has(partition), batch, ...(from ? { from } : {}) };
  });
}

/** The lane whose next buffered entry is the newest of all. */
function newestHead<T extends EntryKey>(lanes: Array<Lane<T>>): Lane<T> | undefined {
  let best: Lane<T> | undefined;
  for (const lane of lanes) {
    const head = lane.buffer[0];
    const bestHead = best?.buffer[0];
    if (head && (!bestHead || newestFirst(head, bestHead) < 0)) best = lane;
  }
  return best;
}

/**
 * Lanes that must be read before `head` may be returned: nothing buffered, more to read, and
 * a next entry that could be newer than `head`. Highest starting point first.
 */
function blockers<T extends EntryKey>(lanes: Array<Lane<T>>, head: EntryKey | undefined): Array<Lane<T>> {
  const higherFirst = (a: Lane<T>, b: Lane<T>) =>
    a.from === undefined
      ? b.from === undefined
        ? 0
        : -1
      : b.from === undefined
        ? 1
        : newestFirst(a.from, b.from);
  return lanes
    .filter(
      (lane) =>
        !lane.done &&
        lane.buffer.length === 0 &&
        (head === undefined || lane.from === undefined || newestFirst(lane.from, head) < 0),
    )
    .sort(higherFirst);
}

/**
 * The cursor after a page whose last entry is `after`. A lane with entries still buffered
 * resumes after `after` (everything of it newer than that was returned or filtered out), so
 * only lanes that read past `after` without returning anything name a key of their own.
 */
function positionOf<T extends EntryKey>(lanes: Array<Lane<T>>, after: EntryKey | undefined): MergePosition {
  const position: MergePosition = { done: [], at: [] };
  if (after) position.after = after;
  for (const lane of lanes) {
    if (lane.buffer.length > 0) continue;
    if (lane.done) position.done.push(lane.partition);
    else if (lane.from && (!after || newestFirst(lane.from, after) !== 0))
      position.at.push({ partition: lane.partition, key: lane.from });
  }
  return position;
}

/**
 * One page of a k-way merge over the partitions of a query: globally newest first, however
 * the records spread over partitions. The first page reads every partition once; a partition
 * is read again only when its next entry could be the page's next, with a batch that doubles
 * each time (up to `maxBatch`). A page makes at most `partitions + extraReads` reads; when
 * they are spent it returns what it could prove is next (maybe nothing) with a cursor, so a
 * sparse filter gives short pages rather than unbounded ones. Following the cursors to the
 * end lists every entry of the range once, in order.
 */
export async function mergedPage<T extends EntryKey>(
  source: TimeOrderedPartitions<T>,
  position: MergePosition | undefined,
  limits: MergeLimits,
): Promise<MergedPage<T>> {
  const firstBatch = Math.min(limits.maxBatch, Math.max(4, Math.ceil(limits.limit / source.partitions) + 1));
  const lanes = lanesAt<T>(source.partitions, position, firstBatch);
  const budget = source.partitions + limits.extraReads;
  const entries: T[] = [];
  let reads = 0;
  let after = position?.after;
  while (entries.length < limits.limit) {
    const lane = newestHead(lanes);
    const head = lane?.buffer[0];
    const waiting = blockers(lanes, head);
    if (waiting.length === 0) {
      if (!lane || !head) break;
      lane.buffer.shift();
      entries.push(head);
      after = { time: head.time, eventId: head.eventId };
      continue;
    }
    const reading = waiting.slice(0, budget - reads);
    if (reading.length === 0) break;
    reads += reading.length;
    await mapLimited(reading, limits.concurrency, async (l) => {
      const read = await readOlder(source, l.partition, l.from, l.batch);
      l.buffer.push(...read.entries);
      l.batch = Math.min(limits.maxBatch, l.batch * 2);
      if (read.stoppedAt) l.from = read.stoppedAt;
      else l.done = true;
    });
  }
  const finished = lanes.every((l) => l.done && l.buffer.length === 0);
  return finished ? { entries, reads } : { entries, reads, next: positionOf(lanes, after) };
}
