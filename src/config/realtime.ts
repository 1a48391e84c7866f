/** Real time: GraphQL subscriptions over WebSocket (/graphql) and SSE (/graphql/stream). */
import { bool, int, section } from './vars.js';

export interface RealtimeConfig {
  realtime: {
    enabled: boolean;
    /** Changes to one subscription's target within this window are pushed once (the state after the last). */
    coalesceMs: number;
    /** Open subscriptions one principal may hold on one instance (WebSocket and SSE together). */
    maxSubscriptionsPerPrincipal: number;
    /** Open WebSocket and SSE connections one client address may hold on one instance. */
    maxConnectionsPerIp: number;
    /** Bytes queued to a WebSocket client before it is dropped as too slow. */
    maxBufferedBytes: number;
    /** Seconds between keep-alive pings (WebSocket ping frames, SSE comments). */
    heartbeatS: number;
    /** Seconds a stream ticket (POST /graphql/stream/ticket, for the browser's EventSource) may wait to be redeemed, once. */
    ticketTtlS: number;
  };
}

export const realtime = section({
  vars: {
    REALTIME: {
      schema: bool.prefault('true'),
      example: 'false',
      doc: 'GraphQL subscriptions: WebSocket (graphql-transport-ws) on /graphql and SSE (graphql-sse) on /graphql/stream. Needs Redis (the change stream).',
    },
    REALTIME_COALESCE_MS: {
      schema: int(0, 60_000).prefault('250'),
      example: '250',
      doc: "Changes to one subscription's customer or ticket within this many ms become one push of the state after the last.",
    },
    REALTIME_MAX_SUBSCRIPTIONS: {
      schema: int(1, 10_000).prefault('20'),
      example: '20',
      doc: 'Open subscriptions one principal (token subject, partner) may hold on one instance; the next is refused with RATE_LIMITED.',
    },
    REALTIME_MAX_CONNECTIONS_PER_IP: {
      schema: int(1, 1_000_000).prefault('50'),
      example: '50',
      doc: 'Open subscription connections (WebSocket and SSE) one client address may hold on one instance; the next is answered 429.',
    },
    REALTIME_MAX_BUFFERED_BYTES: {
      schema: int(1024, 1_073_741_824).prefault('1048576'),
      example: '1048576',
      doc: 'Bytes waiting to be sent to one WebSocket client before it is dropped as too slow (close 4413).',
    },
    REALTIME_HEARTBEAT_S: {
      schema: int(1, 3600).prefault('25'),
      example: '25',
      doc: 'Seconds between keep-alive pings to subscription clients (WebSocket ping frames, SSE comment lines).',
    },
    REALTIME_TICKET_TTL_S: {
      schema: int(5, 600).prefault('30'),
      example: '30',
      doc: "Seconds a stream ticket (POST /graphql/stream/ticket, for the browser's own EventSource, which cannot send a header) stays redeemable; each ticket opens one stream.",
    },
  },
  build: (v): RealtimeConfig => ({
    realtime: {
      enabled: v.REALTIME,
      coalesceMs: v.REALTIME_COALESCE_MS,
      maxSubscriptionsPerPrincipal: v.REALTIME_MAX_SUBSCRIPTIONS,
      maxConnectionsPerIp: v.REALTIME_MAX_CONNECTIONS_PER_IP,
      maxBufferedBytes: v.REALTIME_MAX_BUFFERED_BYTES,
      heartbeatS: v.REALTIME_HEARTBEAT_S,
      ticketTtlS: v.REALTIME_TICKET_TTL_S,
    },
  }),
});
