/**
 * Real time: GraphQL subscriptions over the two transports clients use, on the HTTP server.
 *
 *   WebSocket  GET /graphql + Upgrade, protocol graphql-transport-ws (The Guild's graphql-ws server);
 *              the token in connection_init ({"authorization": "Bearer <token>"}) or the upgrade's Authorization header
 *   SSE        POST (or GET) /graphql/stream, Accept: text/event-stream (graphql-sse, distinct connections);
 *              the token in the Authorization header, checked like /graphql's (rate limits, document limits)
 *
 * Both hand the subscription to the hub (hub.ts); each push is the subscriber's selection run as a
 * query through /graphql with the subscriber's token (operation.ts), in process (Fastify inject).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApolloGateway } from '@apollo/gateway';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { createHandler } from 'graphql-sse';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../auth/principal.js';
import { bearerToken, type TokenVerifier } from '../auth/tokens.js';
import type { Config } from '../config/index.js';
import { ErrorCode } from '../errors/index.js';
import { replyError } from '../errors/http.js';
import { createTrustedDocuments } from '../guards/trusted-documents.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { CLOSE, createRealtimeHub, type Connection, type GatewayAnswer, type Push, type RealtimeHub } from './hub.js';

export { CLOSE } from './hub.js';

export interface RealtimeOptions {
  config: Readonly<Config>;
  logger: Logger;
  metrics?: Metrics;
  /** The gateway whose API schema subscription documents are checked against. */
  gateway: Pick<ApolloGateway, 'onSchemaLoadOrUpdate'>;
  verifier: TokenVerifier;
}

/** What the HTTP server gives the transports: its own authentication of a request (token, rate limits, guards). */
export interface RealtimeRouteDeps {
  authenticate(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
}

export interface Realtime {
  hub: RealtimeHub;
  /** Trusted documents: the query derived from a live subscription of this principal may run. */
  allowsDerived(hash: string, principal: Principal): boolean;
  /** Adds the WebSocket upgrade and the SSE route (the server calls it once its guards exist). */
  register(fastify: FastifyInstance, deps: RealtimeRouteDeps): void;
  close(): Promise<void>;
}

const SSE_PATH = '/graphql/stream';

export function createRealtime(o: RealtimeOptions): Realtime {
  const { config, logger } = o;
  let fastify: FastifyInstance | undefined;
  const trusted = createTrustedDocuments();
  const hub = createRealtimeHub({
    config,
    logger,
    metrics: o.metrics,
    trusted: (hash, principal) => trusted.allows(hash, principal),
    // The normal path, in process: authentication, rate limits, guards, response cache, Apollo, audit.
    async execute(token, body): Promise<GatewayAnswer> {
      if (!fastify) throw new Error('realtime: the HTTP server is not registered');
      const res = await fastify.inject({
        method: 'POST',
        url: '/graphql',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        payload: body,
      });
      let parsed: GatewayAnswer['body'];
      try {
        parsed = res.json();
      } catch {
        parsed = { errors: [{ message: 'The push could not be computed.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] };
      }
      return { status: res.statusCode, body: parsed };
    },
  });
  o.gateway.onSchemaLoadOrUpdate(({ apiSchema }) => hub.setApiSchema(apiSchema));
  const disposers: (() => Promise<void>)[] = [];

  return {
    hub,
    allowsDerived: (hash, principal) => hub.allowsDerived(hash, principal),
    register(f, deps) {
      fastify = f;
      disposers.push(registerWebSocket(f, hub, o), registerSse(f, hub, o, deps));
      // Before Fastify waits for open requests: an event stream never ends by itself.
      f.addHook('preClose', async () => {
        await Promise.all(disposers.map((d) => d()));
      });
    },
    close: () => hub.close(),
  };
}

/** The client address of an upgrade: the socket's, or with TRUST_PROXY the leftmost X-Forwarded-For. */
function upgradeIp(req: IncomingMessage, config: Readonly<Config>): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (config.guards.trustProxy && typeof forwarded === 'string' && forwarded) return forwarded.split(',')[0].trim();
  return req.socket.remoteAddress ?? 'unknown';
}

function refuseUpgrade(socket: Duplex, status: string, body: object, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  const lines = Object.entries({
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    connection: 'close',
    ...headers,
  });
  socket.end(`HTTP/1.1 ${status}\r\n${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${text}`);
}

const tooManyConnections = (config: Readonly<Config>) => ({
  errors: [
    {
      message: `This address holds ${config.realtime.maxConnectionsPerIp} subscription connections already (REALTIME_MAX_CONNECTIONS_PER_IP). Close one, or retry later.`,
      extensions: { code: ErrorCode.RATE_LIMITED, limit: 'connections', allowed: config.realtime.maxConnectionsPerIp },
    },
  ],
});

/** WebSocket: graphql-transport-ws on /graphql. Returns its disposal. */
function registerWebSocket(fastify: FastifyInstance, hub: RealtimeHub, o: RealtimeOptions): () => Promise<void> {
  const { config } = o;
  const rt = config.realtime;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxBodyBytes });
  const connections = new WeakMap<WebSocket, Connection>();
  fastify.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/graphql')
      return refuseUpgrade(socket, '404 Not Found', { errors: [{ message: 'WebSocket subscriptions are served on /graphql.' }] });
    const release = hub.admit(upgradeIp(req, config));
    if (!release) return refuseUpgrade(socket, '429 Too Many Requests', tooManyConnections(config), { 'retry-after': '30' });
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('close', release);
      wss.emit('connection', ws, req);
    });
  });

  const server = useServer(
    {
      connectionInitWaitTimeout: 10_000,
      async onConnect(ctx) {
        const params = ctx.connectionParams ?? {};
        const header = params.authorization ?? params.Authorization ?? ctx.extra.request.headers.authorization;
        const token =
          (typeof header === 'string' ? bearerToken(header) : undefined) ?? (typeof params.token === 'string' ? params.token : undefined);
        const socket = ctx.extra.socket;
        if (!token) {
          socket.close(CLOSE.UNAUTHORIZED, 'Unauthorized: send {"authorization": "Bearer <token>"} in connection_init.');
          return false;
        }
        let principal: Principal;
        try {
          principal = await o.verifier.verify(token);
        } catch (err) {
          const why = err instanceof GraphQLError ? err.message : 'The token is not accepted.';
          socket.close(CLOSE.UNAUTHORIZED, `Unauthorized: ${why}`.slice(0, 120));
          return false;
        }
        connections.set(socket, hub.connect({ principal, token, close: (code, reason) => socket.close(code, reason.slice(0, 120)) }));
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        const conn = connections.get(ctx.extra.socket);
        if (!conn) return [new GraphQLError('Not connected.', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        const r = await conn.open({ query: payload.query, variables: payload.variables, operationName: payload.operationName });
        if ('errors' in r) return r.errors;
        return {
          schema: hub.schema()!,
          document: r.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: { stream: r.stream },
        };
      },
      subscribe: (args) => (args.contextValue as { stream: AsyncGenerator<Push> }).stream,
      onNext(ctx, _id, _payload, _args, result) {
        const socket = ctx.extra.socket;
        // A client that does not read is dropped before its pushes pile up here.
        if (socket.bufferedAmount > rt.maxBufferedBytes) socket.close(CLOSE.TOO_SLOW, 'Too slow: pushes were not read; reconnect.');
        const { data, errors } = result as Push;
        return { data, ...(errors?.length ? { errors: errors.map((e) => e.toJSON()) } : {}) };
      },
      onClose(ctx) {
        connections.get(ctx.extra.socket)?.end();
      },
    },
    wss,
  );

  // Keep-alive: a ping each REALTIME_HEARTBEAT_S; a client that did not answer the last one is gone.
  const alive = new WeakMap<WebSocket, boolean>();
  wss.on('connection', (ws: WebSocket) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
  });
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, rt.heartbeatS * 1000);
  heartbeat.unref();

  return async () => {
    clearInterval(heartbeat);
    for (const ws of wss.clients) ws.close(CLOSE.GOING_AWAY, 'The server is shutting down: reconnect.');
    await server.dispose();
  };
}

/** SSE: graphql-sse (distinct connections) on /graphql/stream, each event with its change stream id. Returns its disposal. */
function registerSse(fastify: FastifyInstance, hub: RealtimeHub, o: RealtimeOptions, deps: RealtimeRouteDeps): () => Promise<void> {
  const { config } = o;
  const open = new Set<FastifyReply>();
  const connections = new WeakMap<FastifyRequest, { conn: Connection; ids: (string | undefined)[] }>();
  const handler = createHandler<FastifyRequest, undefined>({
    // Distinct connections only: one event stream per subscription, authenticated like /graphql.
    authenticate: () => null,
    async onSubscribe(req, params) {
      const entry = connections.get(req.raw)!;
      const last = req.raw.headers['last-event-id'];
      const r = await entry.conn.open({
        query: params.query,
        variables: params.variables,
        operationName: params.operationName,
        lastEventId: typeof last === 'string' ? last : undefined,
      });
      // A refusal is one event with the errors, then the end (graphql-sse takes a result with `data` as final).
      if ('errors' in r) return { data: null, errors: r.errors };
      return r.stream;
    },
    onNext(_ctx, req, result) {
      const { data, errors, streamId } = result as Push;
      connections.get(req.raw)?.ids.push(streamId);
      return { data, ...(errors?.length ? { errors } : {}) };
    },
  });

  fastify.route({
    method: ['GET', 'POST'],
    url: SSE_PATH,
    preHandler: async (req, reply) => {
      const refused = await deps.authenticate(req, reply);
      if (refused || reply.sent) return refused;
      if (req.principal.kind === 'anonymous')
        return replyError(reply, 'UNAUTHENTICATED', 'Subscriptions need a token: send Authorization: Bearer <token>.', {
          headers: { 'www-authenticate': 'Bearer realm="portico"' },
        });
      if (!String(req.headers.accept ?? '').includes('text/event-stream'))
        return replyError(reply, 'BAD_REQUEST', `${SSE_PATH} answers event streams only: send Accept: text/event-stream.`, { status: 406 });
    },
    handler: async (req, reply) => {
      const release = hub.admit(req.ip);
      if (!release)
        return replyError(reply, 'RATE_LIMITED', tooManyConnections(config).errors[0].message, {
          retryAfterS: 30,
          extensions: tooManyConnections(config).errors[0].extensions,
        });
      const ids: (string | undefined)[] = [];
      const conn = hub.connect({
        principal: req.principal,
        token: bearerToken(req.headers.authorization)!,
        // The stream ends with the reason as its last event (SSE has no close code of its own).
        close: (code, reason) => {
          if (reply.raw.writableEnded) return;
          const err = {
            message: reason,
            extensions: {
              code: code === CLOSE.UNAUTHORIZED ? ErrorCode.UNAUTHENTICATED : 'UNAVAILABLE',
              closeCode: code,
              retryable: code !== CLOSE.UNAUTHORIZED,
            },
          };
          reply.raw.write(`event: next\ndata: ${JSON.stringify({ errors: [err] })}\n\nevent: complete\ndata: \n\n`);
          reply.raw.end();
        },
      });
      connections.set(req, { conn, ids });
      open.add(reply);
      reply.raw.once('close', () => {
        conn.end();
        release();
        open.delete(reply);
      });
      const [body, init] = await handler({
        method: req.method,
        url: req.url,
        headers: {
          get: (key) => {
            const v = req.headers[key];
            return typeof v === 'string' ? v : null;
          },
        },
        body: (req.body as Record<string, unknown> | undefined) ?? null,
        raw: req,
        context: undefined,
      });
      reply.hijack();
      reply.raw.writeHead(init.status, init.statusText, { ...init.headers, 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      if (!body || typeof body === 'string') return void reply.raw.end(body);
      const heartbeat = setInterval(() => reply.raw.write(':\n\n'), config.realtime.heartbeatS * 1000);
      heartbeat.unref();
      reply.raw.once('close', () => clearInterval(heartbeat));
      reply.raw.once('close', () => void body.return());
      for await (const chunk of body) {
        if (reply.raw.writableEnded) break;
        // Each push carries the change stream id it reflects: a reconnecting client sends it back (Last-Event-ID).
        const id = chunk.startsWith('event: next') ? ids.shift() : undefined;
        reply.raw.write(id ? `id: ${id}\n${chunk}` : chunk);
      }
      if (!reply.raw.writableEnded) reply.raw.end();
    },
  });

  return async () => {
    for (const reply of open) if (!reply.raw.writableEnded) reply.raw.end();
  };
}
