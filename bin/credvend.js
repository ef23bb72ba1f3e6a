#!/usr/bin/env node
// Runs the TypeScript CLI in place through tsx's loader, so `npx credvend` works straight
// from a clone with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
