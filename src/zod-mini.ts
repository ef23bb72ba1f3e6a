/**
 * zod's tree-shakable form (`zod/mini`) with English messages: the schemas on the functions'
 * paths (configuration, wire schemas, stored shapes) import `* as z` from here, so a bundle
 * keeps only the schema kinds and checks it uses (about 35 KB) instead of classic zod's
 * methods on every schema (about 105 KB; npm run bench: cold start). The schemas stay the
 * one source of truth: classic zod (OpenAPI, the CLI) composes and prints them unchanged.
 */
import { config, globalConfig } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

// zod/mini sets no locale (classic zod does on its first schema): without this a bundle with
// no classic zod in it would answer "Invalid input" where the API lists what is wrong.
if (!globalConfig.localeError) config(en());

export * from 'zod/mini';
