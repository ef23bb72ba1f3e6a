/**
 * The audit table's one index for records written since the lean layout (`byTime`) is keyed
 * `t<row><column>`: the row is a hash of the record's principal, the column a hash of its
 * account, {@link GRID} of each. So a principal's records lie in one row (GRID partitions), an
 * account's and each of its roles' in one column, and a busy caller, role or account spreads
 * its writes over GRID partitions, each under DynamoDB's 1 000 write units a second (an entry
 * costs one). Changing GRID re-shards only new records: readers would have to walk both, which
 * is why it is a constant and not configuration.
 */
export const GRID = 8;

/** FNV-1a: stable across processes and versions, spreads short strings evenly. */
function fnv(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const cell = (row: number, column: number) => `t${row}${column}`;

/**
 * The `ts` attribute of a record: the partition key of `byTime`. The column is the account of
 * the record's role when it names one (so a role query finds it in its account's column), else
 * its account.
 */
export function timeShardOf(record: { principal: string; accountId?: string; roleArn?: string }): string {
  const account = (record.roleArn && accountOfRole(record.roleArn)) || record.accountId || '';
  return cell(fnv(record.principal) % GRID, fnv(account) % GRID);
}

/** The partitions holding a principal's records. */
export function principalSegments(principal: string): string[] {
  const row = fnv(principal) % GRID;
  return Array.from({ length: GRID }, (_, column) => cell(row, column));
}

/** The partitions holding an account's records (and so each of its roles'). */
export function accountSegments(accountId: string): string[] {
  const column = fnv(accountId) % GRID;
  return Array.from({ length: GRID }, (_, row) => cell(row, column));
}

/** Every partition of `byTime`, row by row. */
export function allSegments(): string[] {
  return Array.from({ length: GRID * GRID }, (_, k) => cell(Math.floor(k / GRID), k % GRID));
}

/** The account a role ARN names (`arn:<partition>:iam::<account>:role/...`), if it names one. */
export function accountOfRole(roleArn: string): string | undefined {
  return /^arn:[\w-]+:iam::(\d{12}):role\//.exec(roleArn)?.[1];
}
