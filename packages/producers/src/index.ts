// @ingestlab/producers: the fleet simulator, the four ingest transports with acks and retries, and
// the load driver behind the `ingestlab-produce` CLI.
export { createFleet, type Fleet, type FleetOptions } from './fleet.js';
export { createBatchStream, type BatchStream, type BatchStreamOptions } from './batch-stream.js';
export {
  DEMO_SCHEDULE,
  INCIDENT_SCHEDULES,
  NO_INCIDENTS,
  type Incident,
  type IncidentKind,
  type IncidentSchedule,
} from './incidents.js';
export { createTransport, createSender, parseTargetUrl } from './transports/create-transport.js';
export {
  DEFAULT_URLS,
  TARGETS,
  type AttemptResult,
  type ConnectionHooks,
  type EncodedBatch,
  type RetryOptions,
  type SendResult,
  type Target,
  type Transport,
  type TransportOptions,
  type Wire,
} from './transports/types.js';
export { MAX_PER_HOST, planRun, runLoad, validateLoadOptions } from './run-load.js';
export {
  LOAD_DEFAULTS,
  type ConnectionModel,
  type LoadOptions,
  type LoadProgress,
} from './load-options.js';
export { BATCHES_PER_THREAD, autoWorkers } from './source-plan.js';
export { mergeSummaries, type LoadOutcomes, type LoadSummary } from './summary.js';
export { GENERATOR_BOUND, judgeGenerator, type GeneratorReport } from './generator-report.js';
export {
  type Counters,
  type CountersSnapshot,
  type OutcomeCounts,
  emptyCounters,
  snapshotCounters,
} from './counters.js';
export {
  type Percentiles,
  emptySnapshot,
  mergeSnapshots,
  percentilesOf,
  percentilesOfSnapshot,
} from './percentiles.js';
export { ensureOpenFiles, openFileLimit, type OpenFileLimit, type OpenFilesOutcome } from './open-files.js';
export { SampleEncoder, batchBody, batchHead, sampleEnd } from './sample-encoder.js';
