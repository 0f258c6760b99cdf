// The fleet simulator: realistic per-host signals (daily cycle, smooth noise, CPU-correlated memory,
// slowly filling disks, bursty network) plus scheduled incidents. A sample is a pure function of
// (seed, host, ts), so any split of hosts over workers produces exactly the same data.
import type { Sample } from '@ingestlab/metric-schema';
import { type IncidentSchedule, NO_INCIDENTS, incidentIntensity } from './incidents.js';
import { mulberry32, unit3, valueNoise } from './prng.js';

export interface FleetOptions {
  /** Number of hosts, named `<hostPrefix>-00000` upwards. Default 100. */
  hosts?: number;
  /** Seed for every random choice; the same seed gives the same fleet. Default 1. */
  seed?: number;
  /** Host name prefix (letters, digits, `._:-`). Default `web`. */
  hostPrefix?: string;
  /** Epoch ms the fleet's clock starts from: incidents and disk filling count from here. Default now. */
  startTime?: number;
  /** Length of the daily cycle in ms; shorten it to see the cycle in a demo. Default 24 h. */
  dayMs?: number;
  /** Incidents to play. Default none. */
  incidents?: IncidentSchedule;
}

/** A host's fixed character, drawn once from the seed. */
interface HostProfile {
  name: string;
  cpuBase: number;
  cpuDaily: number;
  cpuNoise: number;
  phaseMs: number;
  memBase: number;
  memPerCpu: number;
  diskStart: number;
  diskPerHour: number;
  netBase: number;
  outRatio: number;
}

export interface Fleet {
  readonly seed: number;
  readonly hosts: number;
  readonly startTime: number;
  hostName(index: number): string;
  /** The sample host `index` reports at `ts` (integer epoch ms). */
  sample(index: number, ts: number): Sample;
  /** One sample per listed host, all at `ts`. */
  samples(indices: readonly number[], ts: number): Sample[];
  /** Incidents active at `ts`, with their intensity 0–1. */
  activeIncidents(ts: number): { kind: string; intensity: number }[];
}

const HOUR_MS = 3_600_000;
const DISK_CEILING = 95;
// Noise channels: each metric wanders independently of the others.
const CH_CPU = 1;
const CH_MEM = 2;
const CH_NET = 3;
const CH_BURST = 4;
const CH_OUT = 5;
const CH_INCIDENT = 6;

export function createFleet(options: FleetOptions = {}): Fleet {
  const hosts = options.hosts ?? 100;
  const seed = (options.seed ?? 1) >>> 0;
  const prefix = options.hostPrefix ?? 'web';
  const startTime = Math.floor(options.startTime ?? Date.now());
  const dayMs = options.dayMs ?? 24 * HOUR_MS;
  const schedule = options.incidents ?? NO_INCIDENTS;
  if (!Number.isInteger(hosts) || hosts < 1)
    throw new RangeError(`hosts must be an integer >= 1, got ${hosts}`);
  if (!/^[A-Za-z0-9._:-]{1,50}$/.test(prefix))
    throw new RangeError(`hostPrefix is not a valid name: ${prefix}`);
  if (!(dayMs > 0)) throw new RangeError(`dayMs must be > 0, got ${dayMs}`);
  const width = Math.max(5, String(hosts - 1).length);
  const profiles: (HostProfile | undefined)[] = new Array(hosts);

  const profile = (index: number): HostProfile => {
    const known = profiles[index];
    if (known) return known;
    if (!Number.isInteger(index) || index < 0 || index >= hosts) {
      throw new RangeError(`host index ${index} outside 0..${hosts - 1}`);
    }
    const rnd = mulberry32(seed ^ Math.imul(index + 1, 0x9e3779b1));
    const made: HostProfile = {
      name: `${prefix}-${String(index).padStart(width, '0')}`,
      cpuBase: 8 + rnd() * 25,
      cpuDaily: 8 + rnd() * 30,
      cpuNoise: 3 + rnd() * 7,
      phaseMs: (rnd() - 0.5) * 3 * HOUR_MS,
      memBase: 20 + rnd() * 30,
      memPerCpu: 0.25 + rnd() * 0.35,
      diskStart: 15 + rnd() * 55,
      diskPerHour: 0.05 + rnd() * 0.6,
      // log-uniform between 20 kB/s and 5 MB/s: a few hosts carry most traffic
      netBase: 20_000 * 250 ** rnd(),
      outRatio: 0.4 + rnd() * 0.9,
    };
    profiles[index] = made;
    return made;
  };

  const incidentEffects = (index: number, ts: number) => {
    let cpu = 0;
    let net = 1;
    const elapsed = ts - startTime;
    const { repeatMs } = schedule;
    const cycle = repeatMs ? Math.floor(elapsed / repeatMs) : 0;
    schedule.incidents.forEach((incident, k) => {
      const intensity = incidentIntensity(incident, elapsed, repeatMs);
      if (intensity === 0) return;
      // a different subset of hosts each cycle, but the same one for every sample of this cycle
      if (unit3(seed ^ CH_INCIDENT, k * 7919 + cycle, index) >= incident.hostFraction) return;
      if (incident.kind === 'cpu-spike') cpu += incident.magnitude * intensity;
      else net *= 1 + (incident.magnitude - 1) * intensity;
    });
    return { cpu, net };
  };

  const sample = (index: number, ts: number): Sample => {
    const p = profile(index);
    const tsInt = Math.floor(ts);
    const dayAngle = (2 * Math.PI * (((tsInt + p.phaseMs) % dayMs) + dayMs)) / dayMs;
    const daily = 0.5 - 0.5 * Math.cos(dayAngle); // 0 at midnight, 1 at noon
    const slow = tsInt / 15_000;
    const effects = schedule.incidents.length > 0 ? incidentEffects(index, tsInt) : { cpu: 0, net: 1 };

    const cpu =
      p.cpuBase + p.cpuDaily * daily + p.cpuNoise * valueNoise(seed + index, CH_CPU, slow) + effects.cpu;
    const mem = p.memBase + p.memPerCpu * cpu + 2 * valueNoise(seed + index, CH_MEM, slow / 4);
    const hours = Math.max(0, tsInt - startTime) / HOUR_MS;
    const span = DISK_CEILING - p.diskStart;
    // fills slowly, and a cleanup drops it back to where it started once it nears the ceiling
    const disk = p.diskStart + ((p.diskPerHour * hours) % span);

    const second = Math.floor(tsInt / 1000);
    const wander = 1 + 0.3 * valueNoise(seed + index, CH_NET, tsInt / 5000);
    const burstRoll = unit3(seed + index, CH_BURST, second);
    const burst = burstRoll > 0.95 ? 2 + 20 * (burstRoll - 0.95) * 20 : 1;
    const netIn = p.netBase * (0.3 + 0.7 * daily) * wander * burst * effects.net;
    const outNoise = 0.8 + 0.4 * unit3(seed + index, CH_OUT, second);
    const netOut = netIn * p.outRatio * outNoise;

    return {
      host: p.name,
      ts: tsInt,
      cpu: percent(cpu),
      mem: percent(mem),
      disk: percent(disk),
      netIn: bytes(netIn),
      netOut: bytes(netOut),
    };
  };

  return {
    seed,
    hosts,
    startTime,
    hostName: (index) => profile(index).name,
    sample,
    samples: (indices, ts) => indices.map((i) => sample(i, ts)),
    activeIncidents: (ts) =>
      schedule.incidents
        .map((incident) => ({
          kind: incident.kind,
          intensity: incidentIntensity(incident, ts - startTime, schedule.repeatMs),
        }))
        .filter((active) => active.intensity > 0),
  };
}

/** Clamped to 0–100 with two decimals: the contract refuses anything outside, and shorter JSON is cheaper. */
function percent(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.round(Math.min(100, Math.max(0, value)) * 100) / 100;
}

function bytes(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}
