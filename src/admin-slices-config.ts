import { OWNERSHIP_PATTERN } from './domain/access-code/ownership.js';
import type { AdminSlice } from './domain/identity/roles.js';
import { validateClaimConditions } from './domain/subjects/claim-rules.js';
import * as z from './zod-mini.js';

/** A configuration problem: the service refuses to start rather than run with a slice it misread. */
export class AdminSlicesConfigError extends Error {
  override readonly name = 'ConfigError';
}

const conditions = z.record(z.string(), z.string());

/** One entry of CREDVEND_ADMIN_SLICES (a JSON array). */
const sliceSchema = z.strictObject({
  name: z.string().check(z.regex(/^[\w.-]{1,64}$/, '1-64 letters, digits and _.-')),
  issuer: z.url(),
  apply: conditions,
  plan: z.optional(conditions),
  accounts: z.array(z.string().check(z.regex(/^\d{12}$/, 'a 12-digit AWS account id'))).check(z.minLength(1)),
  ids: z
    .array(z.string().check(z.regex(OWNERSHIP_PATTERN, 'an id, or a prefix ending in *')))
    .check(z.minLength(1)),
});

/**
 * Parses CREDVEND_ADMIN_SLICES. Every slice must name a configured issuer and rules that
 * identify a pipeline (the same checks as a claim-rule entitlement's); a slice over every
 * id (`*`) must still name its accounts, so no slice is ever the whole service.
 */
export function parseAdminSlices(text: string | undefined, issuers: readonly string[]): AdminSlice[] {
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AdminSlicesConfigError('invalid configuration: CREDVEND_ADMIN_SLICES is not JSON');
  }
  const result = z.array(sliceSchema).check(z.maxLength(100)).safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AdminSlicesConfigError(`invalid configuration: CREDVEND_ADMIN_SLICES: ${problems}`);
  }
  const problems = result.data.flatMap((slice, i) => sliceProblems(slice, i, issuers));
  const names = result.data.map((s) => s.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) problems.push(`slice name ${repeated} is used twice`);
  if (problems.length > 0) {
    throw new AdminSlicesConfigError(`invalid configuration: CREDVEND_ADMIN_SLICES: ${problems.join('; ')}`);
  }
  return result.data.map(({ plan, ...slice }) => (plan ? { ...slice, plan } : slice));
}

function sliceProblems(
  slice: z.infer<typeof sliceSchema>,
  index: number,
  issuers: readonly string[],
): string[] {
  const at = `${index}`;
  const problems = [
    ...validateClaimConditions(slice.apply, `${at}.apply`),
    ...(slice.plan ? validateClaimConditions(slice.plan, `${at}.plan`) : []),
  ].map((issue) => `${issue.path}: ${issue.message}`);
  if (!issuers.includes(slice.issuer)) {
    problems.push(`${at}.issuer: ${slice.issuer} is not a configured OIDC issuer`);
  }
  return problems;
}
