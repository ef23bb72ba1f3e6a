import { type ManagedProcess, startManagedProcess } from './processes.js';

export interface Moto extends ManagedProcess {
  endpoint: string;
}

/**
 * moto's server, with its own IAM enforcement off: it evaluates no Condition, session
 * policy or resource policy, so the IAM gate (src/local/iam-gate) in front of it judges
 * every request instead, and moto only serves what the gate let through.
 */
export async function startMoto(options: { host: string; port: number }): Promise<Moto> {
  const process = await startManagedProcess({
    name: 'moto_server',
    command: 'moto_server',
    args: ['-H', options.host, '-p', String(options.port)],
    env: {
      ...globalThis.process.env,
      // Unset means never: moto checks no signature and no policy; the gate has.
      INITIAL_NO_AUTH_ACTION_COUNT: undefined,
      // moto's own default credentials must not leak into the emulator's idea of identity.
      AWS_ACCESS_KEY_ID: 'seed',
      AWS_SECRET_ACCESS_KEY: 'seed',
      // If set, moto files every request under this one account, ahead of the gate's
      // x-moto-account-id header, and the two-account seed breaks. spawn drops undefined values.
      MOTO_ACCOUNT_ID: undefined,
    },
    host: options.host,
    port: options.port,
  });
  return { ...process, endpoint: `http://${options.host}:${options.port}` };
}
