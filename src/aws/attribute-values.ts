import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

/** A stored item that does not have the shape this code writes: never trusted, never guessed at. */
export class MalformedItemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedItemError';
  }
}

export function readString(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new MalformedItemError(`attribute ${name} is missing or not a string`);
  return value;
}

export function readOptionalString(item: Item, name: string): string | undefined {
  return item[name] === undefined ? undefined : readString(item, name);
}

export function readNumber(item: Item, name: string): number {
  const raw = item[name]?.N;
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new MalformedItemError(`attribute ${name} is missing or not a number`);
  return value;
}

export function readOptionalNumber(item: Item, name: string): number | undefined {
  return item[name] === undefined ? undefined : readNumber(item, name);
}

export function readBoolean(item: Item, name: string, fallback: boolean): boolean {
  const attribute = item[name];
  if (attribute === undefined) return fallback;
  if (attribute.BOOL === undefined) throw new MalformedItemError(`attribute ${name} is not a boolean`);
  return attribute.BOOL;
}

export function readStringList(item: Item, name: string): string[] {
  const attribute = item[name];
  if (attribute === undefined) return [];
  if (!attribute.L) throw new MalformedItemError(`attribute ${name} is not a list`);
  return attribute.L.map((entry, index) => {
    if (entry.S === undefined) throw new MalformedItemError(`attribute ${name}[${index}] is not a string`);
    return entry.S;
  });
}

export function readStringMap(item: Item, name: string): Record<string, string> {
  const attribute = item[name];
  if (attribute === undefined) return {};
  if (!attribute.M) throw new MalformedItemError(`attribute ${name} is not a map`);
  // Built with fromEntries: a key such as `__proto__` (a valid tag key) stays an own property
  // instead of setting the object's prototype and vanishing.
  return Object.fromEntries(
    Object.entries(attribute.M).map(([key, entry]) => {
      if (entry.S === undefined) throw new MalformedItemError(`attribute ${name}.${key} is not a string`);
      return [key, entry.S];
    }),
  );
}

export const str = (value: string): AttributeValue => ({ S: value });
export const num = (value: number): AttributeValue => ({ N: String(value) });
export const strList = (values: readonly string[]): AttributeValue => ({ L: values.map(str) });
export const strMap = (values: Readonly<Record<string, string>>): AttributeValue => ({
  M: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, str(v)])),
});

/** Adds `name` to `item` only when `value` is defined, since DynamoDB has no undefined. */
export function putIfDefined<T>(
  item: Item,
  name: string,
  value: T | undefined,
  encode: (v: T) => AttributeValue,
): void {
  if (value !== undefined) item[name] = encode(value);
}
