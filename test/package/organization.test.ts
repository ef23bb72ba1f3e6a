import { describe, expect, it } from 'vitest';
import { sessionAllows } from '../oracle/iam-oracle.js';
import { ALL_FEATURES } from './global-setup.js';
import { instantiate, type PackagedTemplate, packagedTemplate } from './instantiate.js';

/**
 * The organization boundary (`organizationId`, `organizationPaths`), as the packaged template
 * deploys it, judged by the IAM simulator: each identity that assumes roles in other accounts
 * may do so only in accounts of the organization, under the configured OU paths.
 */

const ORG = ALL_FEATURES.organizationId;
const OU_PATH = ALL_FEATURES.organizationPaths;
const TARGET_ROLE = 'arn:aws:iam::333333333333:role/credvend-readonly';
const REVOKER_ROLE = 'arn:aws:iam::333333333333:role/credvend-revoker';

/** Where the role lives, as STS puts it in the request context. */
const inOrganization = { 'aws:ResourceOrgID': ORG, 'aws:ResourceOrgPaths': [`${OU_PATH}ou-ab12-22222222/`] };
const otherOrganization = {
  'aws:ResourceOrgID': 'o-zzzzzzzzzz',
  'aws:ResourceOrgPaths': ['o-zzzzzzzzzz/r-zz99/ou-zz99-33333333/'],
};
const otherOu = { 'aws:ResourceOrgID': ORG, 'aws:ResourceOrgPaths': [`${ORG}/r-ab12/ou-ab12-99999999/`] };
const noOrganization = {};

/** The identity's policies, every condition false except those given. */
async function policiesOf(
  which: 'defaults' | 'allFeatures',
  resource: string,
  conditions: Record<string, boolean> = {},
): Promise<object[]> {
  const template: PackagedTemplate = await packagedTemplate(which);
  const all = Object.fromEntries(Object.keys(template.Conditions ?? {}).map((name) => [name, false]));
  const properties = instantiate(template, template.Resources[resource]?.Properties, {
    conditions: { ...all, ...conditions },
  }) as { Policies?: Array<{ PolicyDocument: object }> };
  return (properties.Policies ?? []).map((p) => p.PolicyDocument);
}

const assumes = (policies: object[], role: string, context: Record<string, string | string[]>) =>
  sessionAllows(policies, { action: 'sts:AssumeRole', resource: role, context });

describe('organizationId and organizationPaths, as packaged', () => {
  it.each([
    ['the vend role (vendingIdentity=role)', 'VendRole', TARGET_ROLE, { UsesVendingUser: false }],
    ["the vending user's group", 'VendingUserGroup', TARGET_ROLE, { UsesVendingUser: true }],
    ["the admin function's revoker path", 'AdminRole', REVOKER_ROLE, {}],
    ["the requests function's revoker path", 'RequestsRole', REVOKER_ROLE, {}],
    ["the revocation sweep's revoker path", 'RevocationsRole', REVOKER_ROLE, {}],
  ])('%s assumes a role only in an account of the organization, under its OU paths', async (_, resource, role, conditions) => {
    const policies = await policiesOf('allFeatures', resource, conditions);
    expect(assumes(policies, role, inOrganization)).toBe(true);
    expect(assumes(policies, role, otherOrganization)).toBe(false);
    expect(assumes(policies, role, otherOu)).toBe(false);
    // An account outside any organization carries no aws:ResourceOrgID: refused.
    expect(assumes(policies, role, noOrganization)).toBe(false);
  });

  it('the session tags and source identity of a vended session are held to the organization too', async () => {
    const policies = await policiesOf('allFeatures', 'VendRole', { UsesVendingUser: false });
    for (const action of ['sts:TagSession', 'sts:SetSourceIdentity']) {
      expect(
        sessionAllows(policies, { action, resource: TARGET_ROLE, context: inOrganization }),
        action,
      ).toBe(true);
      expect(
        sessionAllows(policies, { action, resource: TARGET_ROLE, context: otherOrganization }),
        action,
      ).toBe(false);
    }
  });

  it('without organizationId the boundary is the target role pattern alone', async () => {
    const policies = await policiesOf('defaults', 'VendRole', { UsesVendingUser: false });
    expect(assumes(policies, TARGET_ROLE, noOrganization)).toBe(true);
    expect(assumes(policies, TARGET_ROLE, otherOrganization)).toBe(true);
    expect(assumes(policies, 'arn:aws:iam::333333333333:role/admin', noOrganization)).toBe(false);
  });
});
