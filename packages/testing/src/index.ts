export {
  assumeRole,
  createDatabase,
  EICAR,
  freePort,
  type RunningClamd,
  type RunningPostgres,
  type RunningS3,
  type RunningService,
  type S3Config,
  type StartHaproxyOptions,
  type StartS3Options,
  s3Client,
  spawnService,
  startClamd,
  startHaproxy,
  startMinio,
  startPostgres,
  startVersitygw,
  storageSettings,
  type TemporaryCredentials,
  versitygwBinary,
} from '@uplink/launchers'
export { launchChromium } from './chromium.ts'
export {
  type AppliedFault,
  type FaultKind,
  type FaultProxy,
  type FaultProxyOptions,
  type FaultProxyStats,
  type FaultRule,
  startFaultProxy,
} from './fault-proxy.ts'
export {
  type FaultTrials,
  faultTrials,
  MIN_INTACT_SHARE,
  seededRandom,
  type TrialFamily,
} from './fault-trials.ts'
export type { TestServices } from './global-setup.ts'
export { oncePerRun, type Prepared, RUN_DIR_ENV } from './once-per-run.ts'
export { testDatabase, testServices } from './services.ts'
export { serverHoldsConnection } from './socket-held.ts'
export { type WaitForOptions, waitFor } from './wait-for.ts'
