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
  type RetryOptions,
  type SendResult,
  type Target,
  type Transport,
  type TransportOptions,
  type Wire,
} from './transports/types.js';
export { runLoad, validateLoadOptions } from './run-load.js';
export { LOAD_DEFAULTS, type LoadOptions, type LoadProgress } from './load-options.js';
export { mergeSummaries, type LoadOutcomes, type LoadSummary } from './summary.js';
export type { Counters, OutcomeCounts } from './counters.js';
export { emptyHistogram, mergeHistograms, percentiles, quantile, recordValue } from './histogram.js';
export type { HistogramData, Percentiles } from './histogram.js';
