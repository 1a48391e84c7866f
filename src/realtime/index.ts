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
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApolloGateway } from '@apollo/gateway';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { Counter } from 'prom-client';
import { createHandler } from 'graphql-sse';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../auth/principal.js';
import { bearerToken, type TokenVerifier } from '../auth/tokens.js';
import type { Config } from '../config/index.js';
import { ErrorCode } from '../errors/index.js';
import { replyError } from '../errors/http.js';
import { createTrustedDocuments } from '../guards/trusted-documents.js';
import { createSecretBox } from '../notifications/secrets.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { connectRedis } from '../platform/redis.js';
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
const TICKET_PATH = '/graphql/stream/ticket';

/**
 * Stream tickets: the browser's own EventSource cannot send an Authorization header, so a client
 * trades its token (POST /graphql/stream/ticket, with the header) for a random ticket, valid for
 * REALTIME_TICKET_TTL_S and redeemable once, and opens GET /graphql/stream?ticket=... . The ticket
 * stands for that token (that principal) alone; the token never appears in a URL. Kept in Redis
 * (any instance redeems it) under the ticket's SHA-256, so a Redis dump does not hold usable tickets.
 */
interface StreamTickets {
  issue(token: string): Promise<string>;
  /** The token the ticket stands for, once; null when unknown, used or expired. Throws when Redis cannot answer. */
  redeem(ticket: string): Promise<string | null>;
  close(): void;
}

const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function createStreamTickets(config: Readonly<Config>): StreamTickets {
  const url = config.realtime.enabled ? config.redis.url : undefined;
  const redis = url ? connectRedis(url, 'write') : undefined;
  redis?.on('error', () => undefined);
  const key = (ticket: string) => `${config.keyPrefix}:rt:ticket:${createHash('sha256').update(ticket).digest('hex')}`;
  // The token is kept sealed (AES-256-GCM) under a key derived from the ticket, which only the client
  // holds: Redis (a dump, a replica, MONITOR) has the ticket's hash and a ciphertext, never a usable token.
  const box = (ticket: string) =>
    createSecretBox({
      key: Buffer.from(hkdfSync('sha256', Buffer.from(ticket, 'base64url'), '', 'portico stream ticket', 32)).toString('hex'),
    });
  return {
    async issue(token) {
      if (!redis) throw new Error('no Redis');
      const ticket = randomBytes(32).toString('base64url');
      await redis.set(key(ticket), box(ticket).seal(token, 'stream-ticket'), 'EX', config.realtime.ticketTtlS);
      return ticket;
    },
    async redeem(ticket) {
      if (!TICKET_PATTERN.test(ticket)) return null;
      if (!redis) throw new Error('no Redis');
      // GETDEL: a ticket is redeemed once, even by two requests at the same moment.
      const sealed = await redis.getdel(key(ticket));
      if (!sealed) return null;
      try {
        return box(ticket).open(sealed, 'stream-ticket');
      } catch {
        return null;
      }
    },
    close: () => redis?.disconnect(),
  };
}

export function createRealtime(o: RealtimeOptions): Realtime {
  const { config, logger } = o;
  const closes =
    o.metrics &&
    new Counter({
      name: 'portico_realtime_closes_total',
      help: 'Subscription connections the server closed, by close code (4401 token, 4413 too slow, 1013 Redis down, 1001 shutdown).',
      labelNames: ['code'],
      registers: [o.metrics.registry],
    });
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
  const tickets = createStreamTickets(config);

  return {
    hub,
    allowsDerived: (hash, principal) => hub.allowsDerived(hash, principal),
    register(f, deps) {
      fastify = f;
      const closed = (code: number) => closes?.inc({ code: String(code) });
      disposers.push(registerWebSocket(f, hub, o, closed), registerSse(f, hub, o, deps, tickets, closed));
      // Before Fastify waits for open requests: an event stream never ends by itself.
      f.addHook('preClose', async () => {
        await Promise.all(disposers.map((d) => d()));
      });
    },
    close: async () => {
      tickets.close();
      await hub.close();
    },
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
function registerWebSocket(
  fastify: FastifyInstance,
  hub: RealtimeHub,
  o: RealtimeOptions,
  closed: (code: number) => void,
): () => Promise<void> {
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
        connections.set(
          socket,
          hub.connect({
            principal,
            token,
            close: (code, reason) => {
              closed(code);
              socket.close(code, reason.slice(0, 120));
              // A client too slow to read its pushes is not read the close frame either: its socket (and what
              // it still holds) goes after a short grace, not after ws's 30 s close timeout.
              if (code === CLOSE.TOO_SLOW) setTimeout(() => socket.terminate(), 10_000).unref();
            },
            // graphql-ws sends a push only once the previous one was taken by the socket: what waits is at most one push.
            backlog: () => socket.bufferedAmount,
          }),
        );
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
      onNext(_ctx, _id, _payload, _args, result) {
        const { data, errors } = result as Push;
        return { data, ...(errors?.length ? { errors: errors.map((e) => e.toJSON()) } : {}) };
      },
      onClose(ctx) {
        connections.get(ctx.extra.socket)?.end();
      },
    },
    wss,
    // graphql-ws's own keep-alive (a ping every 12 s, the socket dropped 12 s after an unanswered one)
    // is off: the one below, every REALTIME_HEARTBEAT_S, is the only one, so the setting is what holds.
    0,
  );

  // Keep-alive: a ping each REALTIME_HEARTBEAT_S; a client that did not answer the last one is gone
  // (dropped without a close frame: counted as 1006, as its end looks to the client).
  const alive = new WeakMap<WebSocket, boolean>();
  wss.on('connection', (ws: WebSocket) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
  });
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        closed(1006);
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
function registerSse(
  fastify: FastifyInstance,
  hub: RealtimeHub,
  o: RealtimeOptions,
  deps: RealtimeRouteDeps,
  tickets: StreamTickets,
  closed: (code: number) => void,
): () => Promise<void> {
  const { config } = o;
  const lastEventIdOf = (req: FastifyRequest): string | undefined => {
    const header = req.headers['last-event-id'];
    if (typeof header === 'string') return header;
    // A new EventSource (after a ticket was used) cannot set the header: the id it last got, as a parameter.
    const param = (req.query as Record<string, unknown> | undefined)?.lastEventId;
    return typeof param === 'string' ? param : undefined;
  };

  // A ticket for the browser's EventSource: authenticated like /graphql, the token traded for a one-time ticket.
  fastify.route({
    method: 'POST',
    url: TICKET_PATH,
    preHandler: async (req, reply) => {
      const refused = await deps.authenticate(req, reply);
      if (refused || reply.sent) return refused;
      if (req.principal.kind === 'anonymous')
        return replyError(reply, 'UNAUTHENTICATED', 'A stream ticket needs a token: send Authorization: Bearer <token>.', {
          headers: { 'www-authenticate': 'Bearer realm="portico"' },
        });
    },
    handler: async (req, reply) => {
      let ticket: string;
      try {
        ticket = await tickets.issue(bearerToken(req.headers.authorization)!);
      } catch {
        return replyError(reply, 'UNAVAILABLE', 'Stream tickets are unavailable now (Redis cannot be reached). Retry later.', {
          retryAfterS: 5,
        });
      }
      return reply
        .header('cache-control', 'no-store')
        .send({ ticket, expiresInS: config.realtime.ticketTtlS, url: `${SSE_PATH}?ticket=${ticket}` });
    },
  });
  const open = new Set<FastifyReply>();
  const connections = new WeakMap<FastifyRequest, { conn: Connection; ids: (string | undefined)[]; lastEventId?: string }>();
  const handler = createHandler<FastifyRequest, undefined>({
    // Distinct connections only: one event stream per subscription, authenticated like /graphql.
    authenticate: () => null,
    async onSubscribe(req, params) {
      const entry = connections.get(req.raw)!;
      const r = await entry.conn.open({
        query: params.query,
        variables: params.variables,
        operationName: params.operationName,
        lastEventId: entry.lastEventId,
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
      const ticket = (req.query as Record<string, unknown> | undefined)?.ticket;
      if (ticket !== undefined) {
        if (typeof ticket !== 'string' || req.headers.authorization)
          return replyError(reply, 'BAD_REQUEST', 'Send one stream ticket, or an Authorization header, not both.');
        let token: string | null;
        try {
          token = await tickets.redeem(ticket);
        } catch {
          return replyError(reply, 'UNAVAILABLE', 'Stream tickets cannot be checked now (Redis cannot be reached). Retry later.', {
            retryAfterS: 5,
          });
        }
        if (!token)
          return replyError(
            reply,
            'UNAUTHENTICATED',
            `This stream ticket is unknown, expired or already used: get a new one with POST ${TICKET_PATH}.`,
            { headers: { 'www-authenticate': 'Bearer realm="portico", error="invalid_token"' } },
          );
        // The ticket stands for this token: from here on the request is checked exactly as one that sent it.
        req.headers.authorization = `Bearer ${token}`;
      }
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
        // Event stream writes do not wait for the socket: what it has not taken yet counts here (4413 past the limit).
        backlog: () => reply.raw.writableLength,
        // The stream ends with the reason as its last event (SSE has no close code of its own).
        close: (code, reason) => {
          if (reply.raw.writableEnded) return;
          closed(code);
          // A stream that does not read would not read its last event either.
          if (code === CLOSE.TOO_SLOW) return void reply.raw.destroy();
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
      connections.set(req, { conn, ids, lastEventId: lastEventIdOf(req) });
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
