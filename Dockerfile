# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript, then ship only the runtime with production dependencies.
# Node 24 (Active LTS): the same major `.ci/run` tests (NODE_LTS there); bump both together.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json codegen.yml ./
# portico.config.ts, if there is one, is compiled to dist/portico.config.js (the example always matches).
COPY portico.config.* ./
COPY schema ./schema
COPY src ./src
COPY sim ./sim
COPY scripts ./scripts
COPY clients ./clients
COPY templates ./templates
COPY sandbox ./sandbox
# tsc to dist/, and the sandbox bundle to dist/sandbox/ (GraphiQL is a build-time dependency only).
RUN npm run build && npm prune --omit=dev

# The vendor simulators (`npm run sim`) for a local stack (deploy/docker-compose.yml): they need
# development dependencies (s3rver, busboy, smtp-server), so they get their own image:
# `docker build --target sim -t portico-sim .`. Never deploy it to production.
FROM node:24-bookworm-slim AS sim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY schema ./schema
COPY src ./src
COPY sim ./sim
COPY clients ./clients
COPY templates ./templates
USER node
ENV SIM_HOST=0.0.0.0
EXPOSE 4101 4102 4103 4104 4105
CMD ["npx", "tsx", "sim/main.ts"]

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    AUDIT_SPOOL_DIR=/var/lib/portico/audit-spool
WORKDIR /app
# Audit entries of done writes wait here while Redis cannot take them: mount a persistent volume.
RUN mkdir -p /var/lib/portico/audit-spool && chown -R node:node /var/lib/portico
VOLUME /var/lib/portico
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/schema ./schema
COPY --from=build --chown=node:node /app/clients ./clients
COPY --from=build --chown=node:node /app/templates ./templates
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
