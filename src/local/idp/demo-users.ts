/**
 * The local IdP's people. Each is a subject the demo data or the role configuration knows:
 * alice has the demo entitlements, bob has none, auditor and admin hold those roles, carol
 * administers one slice (the team-* entitlements), and mallory exists to be refused (no entitlements, no roles) in demos and tests.
 */
export interface DemoUser {
  /** The `sub` claim: an email address, so audit records and session names read naturally. */
  sub: string;
  name: string;
  role: string;
  groups: readonly string[];
}

export const DEMO_USERS: readonly DemoUser[] = [
  {
    sub: 'alice@example.com',
    name: 'Alice',
    role: 'developer: demo-readonly, demo-deploy',
    groups: ['developers'],
  },
  { sub: 'bob@example.com', name: 'Bob', role: 'no entitlements', groups: ['developers'] },
  { sub: 'auditor@example.com', name: 'Auditor', role: 'auditor', groups: ['auditors'] },
  { sub: 'admin@example.com', name: 'Admin', role: 'admin', groups: ['admins'] },
  {
    sub: 'carol@example.com',
    name: 'Carol',
    role: 'slice admin: entitlements team-* in 222222222222',
    groups: ['team'],
  },
  { sub: 'mallory@example.com', name: 'Mallory', role: 'nothing: tries anyway', groups: ['contractors'] },
];

/** A demo user by short name (`alice`) or full subject (`alice@example.com`). */
export function findDemoUser(name: string | undefined): DemoUser | undefined {
  if (!name) return undefined;
  return DEMO_USERS.find((u) => u.sub === name || u.sub === `${name}@example.com`);
}

/** Claims for any subject: demo users get their profile, other subjects (dev tokens) an email when `sub` is one. */
export function claimsFor(sub: string): {
  sub: string;
  email?: string;
  groups?: string[];
  [claim: string]: unknown;
} {
  const user = findDemoUser(sub);
  const email = sub.includes('@') ? sub : undefined;
  return {
    sub,
    ...(email ? { email, email_verified: true } : {}),
    ...(user ? { name: user.name, groups: [...user.groups] } : {}),
  };
}
