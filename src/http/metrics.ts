/**
 * /metrics (Prometheus). Where it is served: on its own listener (METRICS_PORT, METRICS_HOST) when
 * set, else on the API port behind `Authorization: Bearer $METRICS_TOKEN` when set, else open in
 * development and not at all in production (the metrics name routes, operations and error rates).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { replyError } from '../errors/http.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** URL of the separate metrics listener once the API listens (METRICS_PORT), else undefined. */
    metricsUrl?: string;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function registerMetrics(fastify: FastifyInstance, o: { config: Readonly<Config>; metrics: Metrics; logger: Logger }) {
  const { token, port, host } = o.config.guards.metrics;
  const serve = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics());
  if (port !== undefined) {
    const side = Fastify({ loggerInstance: o.logger, logController: new LogController({ disableRequestLogging: true }) });
    side.get('/metrics', serve);
    fastify.addHook('onListen', async () => {
      const url = await side.listen({ host, port });
      fastify.metricsUrl = url;
    });
    fastify.addHook('onClose', async () => side.close());
    return;
  }
  if (token) {
    const expected = digest(`Bearer ${token}`);
    fastify.get('/metrics', async (req, reply) => {
      if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
        return replyError(reply, 'UNAUTHENTICATED', 'Send Authorization: Bearer <METRICS_TOKEN>.\n', {
          headers: { 'www-authenticate': 'Bearer realm="metrics"' },
          body: 'text',
        });
      }
      return serve(req, reply);
    });
    return;
  }
  if (o.config.env === 'production') {
    o.logger.warn('/metrics is off: in production set METRICS_TOKEN (bearer token) or METRICS_PORT (separate listener) to serve it.');
    return;
  }
  fastify.get('/metrics', serve);
}
