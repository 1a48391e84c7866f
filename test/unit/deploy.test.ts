/**
 * deploy/: the docker-compose stack, its load balancer and the Kubernetes manifests are parsed
 * and kept in step with the configuration table: every variable they set is one Portico knows
 * (src/config, docs/configuration.md), and the gateways' and workers' environment passes
 * production's own checks (loadConfig with NODE_ENV=production), so a required setting missing
 * from a manifest fails here, not at a deploy.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig, VARS } from '../../src/config/index.js';

const DEPLOY = 'deploy';
const read = (path: string) => readFileSync(join(DEPLOY, path), 'utf8');

/** Variables set that Portico does not know (a typo, or a setting renamed without its manifests). */
const unknownVars = (names: Iterable<string>) => [...names].filter((n) => !(n in VARS));

/** A stand-in for a secret the operator supplies, in the form its variable takes. */
function secretValue(name: string): string {
  const hex = randomBytes(32).toString('hex');
  const forms: Record<string, string> = {
    REDIS_URL: `redis://:${hex}@portico-redis-master:6379/0`,
    STRIPE_SECRET_KEY: `rk_live_${hex}`,
    STRIPE_WEBHOOK_SECRETS: `whsec_${hex}`,
    HUBSPOT_ACCESS_TOKEN: `pat-na1-${hex}`,
  };
  return forms[name] ?? hex;
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; command?: string[]; deploy?: { replicas?: number } }>;
  };
  const services = compose.services;
  const gateways = Object.keys(services).filter((s) => s.startsWith('gateway-'));
  /** Compose's `${NAME:?message}`: the operator's deploy/.env supplies it. */
  const resolve = (env: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(env).map(([k, v]) => {
        const m = /^\$\{([A-Z0-9_]+):\?[^}]*\}$/.exec(String(v));
        if (m) assert.equal(m[1], k, `${k} is read from deploy/.env under its own name`);
        return [k, m ? secretValue(k) : String(v)];
      }),
    );

  test('Redis, three gateways, two workers, the simulators and a load balancer', () => {
    assert.ok(services.redis);
    assert.equal(gateways.length, 3);
    assert.deepEqual(services.worker?.command, ['node', 'dist/src/worker.js']);
    assert.equal(services.worker?.deploy?.replicas, 2);
    assert.ok(services.sim);
    assert.ok(services.lb);
  });

  test('every variable the gateways and workers get is a known setting, and passes production checks', () => {
    for (const name of [...gateways, 'worker']) {
      const env = services[name].environment!;
      assert.deepEqual(unknownVars(Object.keys(env)), [], `${name} sets unknown variables`);
      assert.equal(env.NODE_ENV, 'production', name);
      const config = loadConfig(resolve(env));
      assert.equal(config.env, 'production');
      assert.equal(config.simulators.enabled, false, `${name}: the simulators run as their own service`);
      assert.ok(config.redis.url, name);
    }
    // Gateways receive and enqueue; the worker services process the queues.
    for (const name of gateways) assert.equal(loadConfig(resolve(services[name].environment!)).events.workers, false, name);
    assert.equal(loadConfig(resolve(services.worker.environment!)).events.workers, true);
  });

  test('secrets come from deploy/.env, never from the file', () => {
    for (const name of [...gateways, 'worker'])
      for (const [k, v] of Object.entries(services[name].environment!)) {
        const spec = VARS[k];
        // The simulators' fixed demo credentials are public (sim/), and so is a Redis URL without a
        // password (the compose network's own Redis); every other secret is interpolated.
        const simulatorCredential = spec.credential === true || /^S3_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)$/.test(k);
        const noPassword = k === 'REDIS_URL' && !String(v).includes('@');
        if (spec.secret && !simulatorCredential && !noPassword) assert.match(String(v), /^\$\{[A-Z0-9_]+:\?/, `${name}: ${k} is a secret`);
      }
    assert.match(readFileSync('.gitignore', 'utf8'), /^\.env$/m);
  });

  test('the simulators get only their own settings (sim/main.ts)', () => {
    const simMain = readFileSync('sim/main.ts', 'utf8');
    for (const k of Object.keys(services.sim.environment ?? {})) {
      assert.match(k, /^SIM_/);
      assert.ok(simMain.includes(k) || /^SIM_[A-Z]+_PORT$/.test(k), `${k} is read by sim/main.ts`);
    }
  });

  test('the load balancer sends to every gateway and checks /readyz', () => {
    const cfg = read('haproxy/haproxy.cfg');
    assert.match(cfg, /option httpchk GET \/readyz/);
    assert.match(cfg, /http-check expect status 200/);
    const servers = [...cfg.matchAll(/^\s*server (\S+) (\S+):(\d+)/gm)].map((m) => [m[1], m[2], m[3]]);
    assert.deepEqual(
      servers,
      gateways.map((g) => [g, g, services[g].environment!.PORT]),
    );
  });
});

describe('Kubernetes manifests (deploy/k8s)', () => {
  const kustomization = parse(read('k8s/kustomization.yaml')) as { resources: string[] };
  type Manifest = { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };
  const manifests: Manifest[] = kustomization.resources.flatMap((file) => {
    assert.ok(existsSync(join(DEPLOY, 'k8s', file)), `${file} is listed in kustomization.yaml`);
    return parseAllDocuments(read(join('k8s', file))).map((d) => {
      assert.deepEqual(d.errors, [], file);
      return d.toJS() as Manifest;
    });
  });
  const of = (kind: string, name: string) => {
    const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
    assert.ok(m, `${kind} ${name}`);
    return m;
  };
  const configMap = of('ConfigMap', 'portico-config').data!;

  /** A container's environment as Portico would see it: the ConfigMap, its own values, the Secret's keys. */
  function environment(deployment: string): { env: Record<string, string>; secrets: string[] } {
    const container = of('Deployment', deployment).spec.template.spec.containers[0];
    const env: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
      assert.equal(from.configMapRef?.name, 'portico-config', `${deployment} reads only portico-config`);
      Object.assign(env, configMap);
    }
    const secrets: string[] = [];
    for (const e of container.env ?? []) {
      if (e.valueFrom) {
        assert.equal(e.valueFrom.secretKeyRef.key, e.name, `${deployment}: the Secret's key is the variable's name`);
        secrets.push(e.name);
        env[e.name] = secretValue(e.name);
      } else env[e.name] = String(e.value);
    }
    return { env, secrets };
  }

  test('every variable is a known setting; secrets come from the Secret; production checks pass', () => {
    for (const name of ['portico-gateway', 'portico-worker']) {
      const { env, secrets } = environment(name);
      assert.deepEqual(unknownVars(Object.keys(env)), [], `${name} sets unknown variables`);
      assert.equal(env.NODE_ENV, 'production');
      for (const [k, spec] of Object.entries(VARS))
        if (spec.secret && k in env && k !== 'S3_SECRET_ACCESS_KEY') assert.ok(secrets.includes(k), `${name}: ${k} comes from the Secret`);
      assert.ok(secrets.includes('REDIS_URL'), 'REDIS_URL holds the Redis password');
      const config = loadConfig(env);
      assert.equal(config.env, 'production');
      assert.equal(config.simulators.enabled, false);
    }
    assert.deepEqual(unknownVars(Object.keys(configMap)), []);
    assert.equal(loadConfig(environment('portico-gateway').env).events.workers, false, 'gateways leave the queues to the workers');
    assert.equal(loadConfig(environment('portico-worker').env).events.workers, true);
  });

  test('gateways: readiness on /readyz, liveness on /healthz, on the port they listen on; the Service reaches them', () => {
    const d = of('Deployment', 'portico-gateway');
    const c = d.spec.template.spec.containers[0];
    const http = c.ports.find((p: { name: string }) => p.name === 'http');
    assert.equal(String(http.containerPort), environment('portico-gateway').env.PORT);
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.readinessProbe.httpGet.port, 'http');
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.livenessProbe.httpGet.port, 'http');
    assert.ok(d.spec.replicas >= 2);
    // Shutdown drains within 8 s (src/main.ts); the grace period covers it and the preStop pause.
    assert.ok(d.spec.template.spec.terminationGracePeriodSeconds >= 15);
    const svc = of('Service', 'portico');
    assert.deepEqual(svc.spec.selector, d.spec.template.metadata.labels);
    assert.equal(svc.spec.ports[0].targetPort, 'http');
    const metrics = c.ports.find((p: { name: string }) => p.name === 'metrics');
    assert.equal(String(metrics.containerPort), configMap.METRICS_PORT);
  });

  test('workers run `npm run worker` compiled', () => {
    const c = of('Deployment', 'portico-worker').spec.template.spec.containers[0];
    assert.deepEqual(c.command, ['node', 'dist/src/worker.js']);
  });

  test('a PodDisruptionBudget and a CPU HorizontalPodAutoscaler for each Deployment', () => {
    for (const name of ['portico-gateway', 'portico-worker']) {
      const d = of('Deployment', name);
      assert.deepEqual(of('PodDisruptionBudget', name).spec.selector.matchLabels, d.spec.selector.matchLabels);
      const hpa = of('HorizontalPodAutoscaler', name);
      assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name });
      assert.equal(hpa.spec.metrics[0].resource.name, 'cpu');
      assert.ok(hpa.spec.minReplicas >= d.spec.replicas - 1);
      // HPA on CPU needs a CPU request to compute utilization.
      assert.ok(d.spec.template.spec.containers[0].resources.requests.cpu);
    }
    // The gateways' budget leaves at least one ready pod while a node drains.
    assert.ok(of('PodDisruptionBudget', 'portico-gateway').spec.minAvailable < of('Deployment', 'portico-gateway').spec.replicas);
  });

  test('Redis through the Bitnami chart: persistent, append-only, noeviction (queues)', () => {
    const values = parse(read('k8s/redis-values.yaml')) as {
      auth: { enabled: boolean };
      master: { configuration: string; persistence: { enabled: boolean } };
    };
    assert.equal(values.auth.enabled, true);
    assert.equal(values.master.persistence.enabled, true);
    assert.match(values.master.configuration, /maxmemory-policy noeviction/);
    assert.match(values.master.configuration, /appendonly yes/);
  });
});

test('router configs: Authorization propagated to the subgraphs', () => {
  const router = parse(read('apollo-router/router.yaml')) as {
    headers: { all: { request: { propagate: { named: string } }[] } };
    include_subgraph_errors: { all: boolean };
    limits: Record<string, number | boolean>;
  };
  assert.ok(router.headers.all.request.some((r) => r.propagate?.named === 'authorization'));
  assert.equal(router.include_subgraph_errors.all, true, 'FORBIDDEN and UNAUTHENTICATED reach the client');
  assert.equal(router.limits.max_depth, Number(VARS.MAX_QUERY_DEPTH.example));
  assert.equal(router.limits.max_aliases, Number(VARS.MAX_ALIASES.example));
  assert.equal(router.limits.parser_max_tokens, Number(VARS.MAX_TOKENS.example));
});
