export { EICAR, type RunningClamd, startClamd } from './clamd.ts'
export { freePort, waitFor } from './free-port.ts'
export { type StartHaproxyOptions, startHaproxy } from './haproxy.ts'
export { minioBinary, startMinio } from './minio.ts'
export {
  createDatabase,
  type RunningPostgres,
  type StartPostgresOptions,
  startPostgres,
} from './postgres.ts'
export { type RunningService, type SpawnServiceOptions, spawnService } from './spawn-service.ts'
export { assumeRole, type TemporaryCredentials } from './sts.ts'
export {
  type RunningTusd,
  type StartTusdOptions,
  startTusd,
  TUSD_VERSION,
  tusdBinary,
} from './tusd.ts'
export {
  createBucket,
  type RunningS3,
  type S3Config,
  type StartS3Options,
  s3Client,
  startVersitygw,
  storageSettings,
  versitygwBinary,
} from './versitygw.ts'
