/** What a credential request sends: the body is also the credential cache's key, so one function builds it. */

/**
 * The duration asked for when the user gives none: an hour, so a fresh credential sits
 * well outside the SDKs' refresh windows (the API caps it at the entitlement's maximum).
 */
export const DEFAULT_DURATION_SECONDS = 3600;

export interface VendFields {
  target: string;
  duration?: number;
  reason?: string;
}

/** `<entitlement>` or `<account>/<role>` as the API's request fields. */
function targetFields(target: string): Record<string, string> {
  const byRole = /^(\d{12})\/([\w+=,.@-]{1,64})$/.exec(target);
  if (byRole?.[1] && byRole[2]) return { accountId: byRole[1], roleName: byRole[2] };
  return { entitlement: target };
}

export function requestBody(fields: VendFields, format?: string): Record<string, unknown> {
  return {
    ...targetFields(fields.target),
    ...(fields.duration !== undefined ? { durationSeconds: fields.duration } : {}),
    ...(fields.reason !== undefined ? { reason: fields.reason } : {}),
    ...(format ? { format } : {}),
  };
}

/** The credential cache's key for a request: the full program and the fast path build it here. */
export function credentialCacheKey(
  where: { apiUrl: string; profile: string; principal: string },
  fields: VendFields,
): { apiUrl: string; profile: string; principal: string; request: Record<string, unknown> } {
  return { ...where, request: requestBody({ duration: DEFAULT_DURATION_SECONDS, ...fields }) };
}
