/**
 * Who signed a request, as the gate knows it: from the access keys it saw issued (an IAM
 * user's CreateAccessKey, a role session's AssumeRole) and the bootstrap keys it was given.
 */

/** An account's root: seeding and operators. IAM policies do not bind it (SCPs are not modelled). */
export interface RootPrincipal {
  kind: 'root';
  account: string;
  arn: string;
}

/** A service principal (Lambda) that assumes the functions' roles, as Lambda does on AWS. */
export interface ServicePrincipal {
  kind: 'service';
  service: string;
  /** The account the service acts in for this stack (its sessions are that account's). */
  account: string;
}

export interface UserPrincipal {
  kind: 'user';
  account: string;
  arn: string;
  userName: string;
}

/** A role session, with everything AssumeRole fixed for its lifetime. */
export interface SessionPrincipal {
  kind: 'session';
  account: string;
  /** arn:aws:sts::<account>:assumed-role/<role>/<session> */
  arn: string;
  roleArn: string;
  roleName: string;
  sessionName: string;
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  sourceIdentity?: string;
  /** The inline session policy and the managed session policies' ARNs. */
  inlinePolicy?: object;
  policyArns: string[];
  issuedAt: Date;
  expiresAt: Date;
  /** Assumed by another role session: capped at one hour. */
  chained: boolean;
  sessionToken: string;
}

export type Principal = RootPrincipal | ServicePrincipal | UserPrincipal | SessionPrincipal;

export interface GateCredential {
  secretAccessKey: string;
  principal: Principal;
  /** An IAM user's key set Inactive: refused as AWS refuses it. */
  active: boolean;
}

/** The ARN iam-simulate and AWS's messages name the caller by. */
export function principalArn(principal: Principal): string {
  return principal.kind === 'service' ? principal.service : principal.arn;
}

/** Access key id → credential; filled as the gate proxies CreateAccessKey and AssumeRole. */
export class CredentialRegistry {
  private readonly byKey = new Map<string, GateCredential>();

  add(accessKeyId: string, credential: GateCredential): void {
    this.byKey.set(accessKeyId, credential);
  }

  get(accessKeyId: string): GateCredential | undefined {
    return this.byKey.get(accessKeyId);
  }

  setActive(accessKeyId: string, active: boolean): void {
    const credential = this.byKey.get(accessKeyId);
    if (credential) credential.active = active;
  }

  delete(accessKeyId: string): void {
    this.byKey.delete(accessKeyId);
  }
}
