/**
 * STS AssumeRole limits, as documented in the STS API reference. Checked before every
 * call so a caller learns which limit they hit instead of an opaque STS error.
 */
export const STS_LIMITS = {
  sessionNameMinLength: 2,
  sessionNameMaxLength: 64,
  sourceIdentityMinLength: 2,
  sourceIdentityMaxLength: 64,
  maxSessionTags: 50,
  tagKeyMaxLength: 128,
  tagValueMaxLength: 256,
  /** Plaintext of the inline session policy plus the managed policy ARNs. */
  sessionPolicyMaxChars: 2048,
  maxPolicyArns: 10,
  minDurationSeconds: 900,
  maxDurationSeconds: 43_200,
  /** AWS caps a role-chained session at one hour whatever the role allows. */
  roleChainingMaxDurationSeconds: 3600,
  externalIdMinLength: 2,
  externalIdMaxLength: 1224,
} as const;

/** Characters STS accepts in RoleSessionName and SourceIdentity: `[\w+=,.@-]`. */
export const SESSION_NAME_CHARSET = /^[\w+=,.@-]+$/;
/** Characters STS accepts in tag keys and values. */
export const TAG_CHARSET = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const EXTERNAL_ID_CHARSET = /^[\w+=,.@:/-]+$/;
