import { type ManagedProcess, startManagedProcess } from './processes.js';

export interface Moto extends ManagedProcess {
  endpoint: string;
}

/**
 * moto's server. After `noAuthActionCount` requests it enforces SigV4 signatures, IAM
 * identity policies and role trust policies, so seeding must fit in that many calls.
 */
export async function startMoto(options: {
  host: string;
  port: number;
  noAuthActionCount: number;
}): Promise<Moto> {
  const process = await startManagedProcess({
    name: 'moto_server',
    command: 'moto_server',
    args: ['-H', options.host, '-p', String(options.port)],
    env: {
      ...globalThis.process.env,
      INITIAL_NO_AUTH_ACTION_COUNT: String(options.noAuthActionCount),
      // moto's own default credentials must not leak into the emulator's idea of identity.
      AWS_ACCESS_KEY_ID: 'seed',
      AWS_SECRET_ACCESS_KEY: 'seed',
      // If set, moto files every request under this one account, ahead of the header and the
      // access key, and the two-account seed breaks. spawn drops undefined values.
      MOTO_ACCOUNT_ID: undefined,
    },
    host: options.host,
    port: options.port,
  });
  return { ...process, endpoint: `http://${options.host}:${options.port}` };
}
