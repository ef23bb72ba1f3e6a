import type { Caller } from '../domain/types.js';

/** Hono environment shared by every credvend app. `Bindings` is whatever the runtime adapter passes. */
export interface AppEnv {
  Variables: {
    requestId: string;
    caller: Caller;
  };
}
