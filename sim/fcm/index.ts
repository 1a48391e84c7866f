/**
 * The Firebase Cloud Messaging simulator (development and tests): FCM HTTP v1's wire format for
 * what Portico uses. A service account key of its own (RSA, generated at start) whose JWT bearer
 * assertions its token endpoint verifies (RS256, audience, scope), as Google's OAuth 2 server does;
 * `POST /v1/projects/<project>/messages:send` with the access token; errors as FCM answers them
 * (`{ error: { code, message, status, details: [{ @type: ...FcmError, errorCode }] } }`):
 * UNREGISTERED (404) for tokens marked uninstalled; INVALID_ARGUMENT (400) in FCM's two forms: for a
 * malformed registration token (a character outside FCM's token alphabet [A-Za-z0-9_:-], e.g. a
 * truncated or mangled copy), with an FcmError detail, and for a message FCM refuses (on demand),
 * with a google.rpc.BadRequest detail naming the field and no FcmError; UNAUTHENTICATED (401),
 * UNAVAILABLE (503) on demand. Keeps every message accepted.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

export interface FcmMessage {
  project: string;
  token: string;
  notification?: { title?: string; body?: string };
  data?: Record<string, string>;
  name: string;
}

export interface FcmSimulator {
  /** The API base (FCM_API_URL). */
  url: string;
  /** The service account key JSON (FCM_SERVICE_ACCOUNT). */
  serviceAccount: string;
  /** Messages accepted, oldest first. */
  sent(): readonly FcmMessage[];
  /** FCM answers UNREGISTERED for this token from now on (the app was uninstalled). */
  unregister(token: string): void;
  /** The next N sends answer 503 UNAVAILABLE. */
  failNext(n: number): void;
  /** The next N sends answer 400 INVALID_ARGUMENT about the message itself (BadRequest on `message.data`), not the token. */
  rejectMessageNext(n: number): void;
  /** Send attempts per device token (accepted or not). */
  attempts(token: string): number;
  close(): Promise<void>;
}

const PROJECT = 'portico-sim';

function fcmError(res: ServerResponse, code: number, status: string, message: string, errorCode?: string, badField?: string) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: {
        code,
        message,
        status,
        ...(errorCode ? { details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] } : {}),
        ...(badField
          ? {
              details: [
                { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: badField, description: message }] },
              ],
            }
          : {}),
      },
    }),
  );
}

/** FCM registration tokens use the URL-safe base64 alphabet and a colon. */
const TOKEN_SHAPE = /^[A-Za-z0-9_:-]+$/;

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

export async function startFcmSimulator(opts: { host?: string; port?: number } = {}): Promise<FcmSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sent: FcmMessage[] = [];
  const unregistered = new Set<string>();
  const tries = new Map<string, number>();
  const accessTokens = new Set<string>();
  let failures = 0;
  let rejections = 0;
  let base = '';
  const clientEmail = `firebase-adminsdk@${PROJECT}.iam.gserviceaccount.com`;

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'POST' && path === '/token') {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
          res.writeHead(400, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: 'unsupported_grant_type' }));
        }
        try {
          const claims = jwt.verify(form.get('assertion') ?? '', publicKey, { algorithms: ['RS256'], audience: `${base}/token` }) as {
            iss: string;
            scope: string;
          };
          if (claims.iss !== clientEmail || !claims.scope.split(' ').includes('https://www.googleapis.com/auth/firebase.messaging'))
            throw new Error('wrong issuer or scope');
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }));
        }
        const token = `ya29.sim-${randomBytes(16).toString('hex')}`;
        accessTokens.add(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
      }
      const m = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path);
      if (req.method !== 'POST' || !m) return fcmError(res, 404, 'NOT_FOUND', 'Not found');
      const auth = req.headers.authorization?.replace(/^Bearer /, '');
      if (!auth || !accessTokens.has(auth)) return fcmError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
      let msg: { message?: { token?: string; notification?: FcmMessage['notification']; data?: Record<string, string> } };
      try {
        msg = JSON.parse(body) as typeof msg;
      } catch {
        return fcmError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
      }
      const token = msg.message?.token;
      if (!token) return fcmError(res, 400, 'INVALID_ARGUMENT', 'Recipient of the message is not set.', 'INVALID_ARGUMENT');
      tries.set(token, (tries.get(token) ?? 0) + 1);
      if (failures > 0) {
        failures--;
        return fcmError(res, 503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE');
      }
      if (rejections > 0) {
        rejections--;
        return fcmError(
          res,
          400,
          'INVALID_ARGUMENT',
          "Invalid value at 'message.data[0].value' (TYPE_STRING)",
          undefined,
          'message.data[0].value',
        );
      }
      if (!TOKEN_SHAPE.test(token))
        return fcmError(res, 400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT');
      if (unregistered.has(token)) return fcmError(res, 404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED');
      const name = `projects/${m[1]}/messages/${randomBytes(8).toString('hex')}`;
      sent.push({ project: m[1], token, notification: msg.message?.notification, data: msg.message?.data, name });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, host, resolve));
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    serviceAccount: JSON.stringify({
      type: 'service_account',
      project_id: PROJECT,
      client_email: clientEmail,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      token_uri: `${base}/token`,
    }),
    sent: () => sent,
    unregister: (t) => void unregistered.add(t),
    failNext: (n) => void (failures = n),
    rejectMessageNext: (n) => void (rejections = n),
    attempts: (t) => tries.get(t) ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
