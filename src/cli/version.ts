import packageJson from '../../package.json' with { type: 'json' };

/** The package version; the bundle inlines package.json at build time, so reading it costs nothing at start. */
export const VERSION: string = packageJson.version;
