// oidc-provider dressed as a Spry server, for the interop test (tests/interop/test_oidc_provider.py).
//
// Only configuration: the provider's own code, its login and consent pages (devInteractions)
// and its own error handling are left as they are. A tiny node:http wrapper maps Spry's paths
// onto the provider's routes and serves a minimal resource endpoint (/v2/patients) that checks
// bearer tokens against the provider's own token store. Bound to loopback only.
//
// Usage: node server.mjs PORT   (secrets from the environment; prints "ready URL" when listening)
import http from 'node:http';

import Provider, { errors } from 'oidc-provider';

const port = Number(process.argv[2] || process.env.PEER_PORT || 0);
const host = '127.0.0.1';
const need = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
};

const server = http.createServer();
await new Promise((resolve) => { server.listen(port, host, resolve); });
const issuer = `http://${host}:${server.address().port}`;
// The one resource server: every access token is issued for it, with the scopes read and write.
const RESOURCE = `${issuer}/v2`;

const codeFlow = ['authorization_code', 'refresh_token', 'client_credentials'];
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'conformance-primary',
      client_secret: need('SPRY_CLIENT_SECRET'),
      grant_types: codeFlow,
      response_types: ['code'],
      redirect_uris: ['https://client.example.org/callback'],
      scope: 'read write',
      // client_secret_basic: oidc-provider 8 also accepts client_secret_post for such a client.
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'conformance-secondary',
      client_secret: need('SPRY_SECONDARY_CLIENT_SECRET'),
      grant_types: codeFlow,
      response_types: ['code'],
      redirect_uris: ['https://client.example.org/other-callback'],
      scope: 'read write',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'conformance-reader',
      client_secret: need('SPRY_READER_CLIENT_SECRET'),
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'read',
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // The user: devInteractions' login page takes any login; findAccount knows the accounts by id.
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id }; } };
  },
  cookies: { keys: [need('PEER_COOKIE_KEY')] },
  scopes: ['openid', 'offline_access', 'read', 'write'],
  features: {
    devInteractions: { enabled: true }, // its own login and consent pages (development pages)
    clientCredentials: { enabled: true },
    // read and write are the scopes of one resource server: without a resource indicator a
    // request is for it, so plain `scope=read write` works without `openid`.
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, indicator) => {
        if (indicator !== RESOURCE) throw new errors.InvalidTarget();
        return { scope: 'read write', audience: RESOURCE, accessTokenTTL: 3600, accessTokenFormat: 'opaque' };
      },
    },
  },
  // PKCE as RFC 9700 §2.1.1 requires it: for public clients (there are none here); the
  // confidential clients may use it (S256 only), as the Spry guide's requests do not.
  pkce: { methods: ['S256'], required: (ctx, client) => client.clientAuthMethod === 'none' },
  // Refresh tokens for the code flow (the default asks for offline_access and openid).
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Rotate on every refresh (RFC 9700 §4.14.2), so the rotation and replay checks have work to do.
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 3600,
    ClientCredentials: 3600,
    AuthorizationCode: 600,
    RefreshToken: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    Interaction: 600,
    Session: 24 * 3600,
    IdToken: 3600,
  },
});

// --- the resource endpoint: RFC 6750 in a few lines ----------------------------------------

function challenge(res, status, error, description, scope) {
  const params = ['realm="spry"'];
  if (error) params.push(`error="${error}"`);
  if (description) params.push(`error_description="${description}"`);
  if (scope) params.push(`scope="${scope}"`);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'WWW-Authenticate': `Bearer ${params.join(', ')}`,
    'Cache-Control': 'no-store',
  });
  res.end(JSON.stringify(error ? { error, error_description: description } : { error: 'unauthorized' }));
}

async function findToken(value) {
  // Client-credentials tokens and user tokens live in two models of the provider's store.
  const token = (await provider.AccessToken.find(value)) || (await provider.ClientCredentials.find(value));
  if (!token || token.isExpired) return undefined;
  if (token.grantId && !(await provider.Grant.find(token.grantId))) return undefined; // a revoked grant
  return token;
}

async function patients(req, res, url, body) {
  if (!['GET', 'HEAD', 'POST'].includes(req.method)) {
    res.writeHead(405, { Allow: 'GET, POST' });
    res.end();
    return;
  }
  const auth = (req.headers.authorization || '').trim();
  const [scheme, ...rest] = auth.split(/\s+/);
  const headerToken = scheme && scheme.toLowerCase() === 'bearer' ? rest.join(' ') : undefined;
  const queryToken = url.searchParams.get('access_token');
  const formToken = (req.headers['content-type'] || '').startsWith('application/x-www-form-urlencoded')
    ? new URLSearchParams(body).get('access_token') : null;
  if (headerToken !== undefined && (queryToken || formToken)) {
    challenge(res, 400, 'invalid_request', 'the token was sent in more than one way');
    return;
  }
  if (!headerToken) { // the query and form methods are not supported (RFC 6750 §2.2, §2.3: MAY)
    challenge(res, 401);
    return;
  }
  let token;
  try {
    token = await findToken(headerToken);
  } catch {
    token = undefined;
  }
  if (!token) {
    challenge(res, 401, 'invalid_token', 'the access token is invalid or expired');
    return;
  }
  const needed = req.method === 'POST' ? 'write' : 'read';
  if (!(token.scope || '').split(' ').includes(needed)) {
    challenge(res, 403, 'insufficient_scope', `the ${needed} scope is required`, needed);
    return;
  }
  const headers = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
  if (req.method === 'POST') {
    // The suite's write probe is an invalid patient: it is refused, nothing is stored.
    res.writeHead(422, headers);
    res.end(JSON.stringify({ error: 'first_name, last_name and date_of_birth are required' }));
    return;
  }
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ data: [] }));
}

// --- the wrapper: Spry's paths onto the provider's routes ----------------------------------

const ROUTES = {
  '/apis/v2/oauth/token': '/token',
  '/apis/v1/oauth/token': '/token',
  '/apis/v2/oauth/authorize': '/auth',
};
const callback = provider.callback();

server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname === '/v2/patients') {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= 1 << 20) chunks.push(chunk);
    });
    req.on('end', () => {
      patients(req, res, url, Buffer.concat(chunks).toString('utf8')).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    return;
  }
  if (ROUTES[url.pathname]) req.url = ROUTES[url.pathname] + url.search;
  callback(req, res);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
console.log(`ready ${issuer}`);
