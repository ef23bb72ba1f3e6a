import { handle } from 'hono/aws-lambda';
import { loadConfig } from '../src/config.js';
import { createPortalApp } from '../src/http/portal-app.js';

export const handler = handle(createPortalApp(loadConfig()));
