export {
  type AppliedFault,
  type FaultKind,
  type FaultProxy,
  type FaultProxyOptions,
  type FaultProxyStats,
  type FaultRule,
  startFaultProxy,
} from './fault-proxy.ts'
export { type FaultTrials, faultTrials, seededRandom } from './fault-trials.ts'
export { freePort, waitFor } from './free-port.ts'
export type { TestServices } from './global-setup.ts'
export { createDatabase, type RunningPostgres, startPostgres } from './postgres.ts'
export { testDatabase, testServices } from './services.ts'
export {
  type RunningS3,
  type S3Config,
  type StartS3Options,
  s3Client,
  startVersitygw,
  storageSettings,
  versitygwBinary,
} from './versitygw.ts'
