/**
 * `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (either case), as curl and the AWS CLI read
 * them. Node 20's `fetch` ignores them, so when one is set every request the CLI makes (the
 * API, the IdP's discovery, token and device endpoints) goes through undici's
 * `EnvHttpProxyAgent`. Without one, nothing more is loaded: the common case starts as fast.
 */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

export function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return PROXY_VARIABLES.some((name) => Boolean(env[name]?.trim()));
}

export async function useEnvironmentProxy(): Promise<void> {
  // undici is CommonJS: in the bundle its exports arrive as the module's default.
  const { EnvHttpProxyAgent, setGlobalDispatcher } = (await import('undici')).default;
  // Plain-HTTP URLs are sent to the proxy in absolute form, as curl does: many proxies
  // allow CONNECT only to port 443. HTTPS URLs are tunnelled with CONNECT.
  setGlobalDispatcher(new EnvHttpProxyAgent({ proxyTunnel: false }));
}
