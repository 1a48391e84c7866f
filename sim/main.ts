/**
 * npm run sim: the simulators on fixed ports, for running the gateway or a benchmark against them
 * from another process. SIM_<NAME>_PORT moves one (e.g. SIM_STRIPE_PORT=5102); SIM_HOST is the
 * interface they listen on (127.0.0.1; 0.0.0.0 in a container other containers call).
 */
import { SIMULATORS, startSimulators, vendorEnv } from './index.js';

const num = (v: string | undefined, d: number) => (v ? Number(v) : d);
const latency = num(process.env.SIM_LATENCY_MS, 0);
const sims = await startSimulators({
  host: process.env.SIM_HOST || '127.0.0.1',
  ports: Object.fromEntries(SIMULATORS.map((d) => [d.name, num(process.env[`SIM_${d.name.toUpperCase()}_PORT`], d.port ?? 0)])),
  customers: num(process.env.SIM_CUSTOMERS, 500),
  faults: latency ? Object.fromEntries(SIMULATORS.map((d) => [d.name, { latencyMs: latency }])) : undefined,
});
console.log(`Simulators running (${sims.data.customers.length} customers${latency ? `, +${latency} ms per call` : ''}):
${Object.entries(sims.urls)
  .map(([name, url]) => `  ${name.padEnd(11)}${url}`)
  .join('\n')}

Point a gateway at them:
  ${Object.entries(vendorEnv(sims))
    .map(([k, v]) => `${k}=${v}`)
    .join(' \\\n  ')} npm start`);
const stop = () => void sims.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
