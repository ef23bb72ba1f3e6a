/**
 * Narrowing of what the API returns, without casts: the portal reads only fields it
 * checks here. Small hand-written guards keep zod out of the page's bundle.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function text(value: unknown, name: string): string {
  if (!isObject(value)) return '';
  const found = value[name];
  return typeof found === 'string' ? found : typeof found === 'number' ? String(found) : '';
}

export function num(value: unknown, name: string): number | undefined {
  if (!isObject(value)) return undefined;
  const found = value[name];
  return typeof found === 'number' ? found : undefined;
}

export function bool(value: unknown, name: string): boolean {
  return isObject(value) && value[name] === true;
}

export function list(value: unknown, name: string): Json[] {
  if (!isObject(value)) return [];
  const found = value[name];
  return Array.isArray(found) ? found : [];
}

export function child(value: unknown, name: string): Json | undefined {
  return isObject(value) ? value[name] : undefined;
}

/**
 * Who someone is, as approvers and auditors must see it: the display name (a claim, a
 * session name, chosen by them or their IdP) always beside the principal, never instead of it.
 */
export function personOf(name: string, principal: string): string {
  return name && name !== principal ? `${name} (${principal})` : principal;
}
