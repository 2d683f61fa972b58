/**
 * `node --import tsx packages/testing/src/with-services.ts <command> [args…]`: what the root
 * `pnpm test` runs. A thin wrapper around `turbo run …` (the root otherwise only calls turbo):
 * it starts one Postgres and one S3 for the whole run, hands them to every package's vitest
 * global setup through UPLINK_TEST_SERVICES, runs the command, and stops them. Without it, each
 * package's global setup starts its own pair, ~14 servers at once on a 2-core machine.
 *
 * It also sets UPLINK_TEST_NODE_VERSION, which turbo.json puts in the `test` cache key: a run
 * on another Node version must run the tests again, not replay the first run's logs; and
 * UPLINK_TEST_RUN_DIR, a scratch directory for the run, where what one task prepares
 * (`oncePerRun`: the packed client, …) another reuses. It is removed at the end.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'
import { RUN_DIR_ENV } from './once-per-run.ts'
import { startSharedServices } from './shared-services.ts'

const [command, ...args] = process.argv.slice(2)
if (!command) {
  console.error('usage: with-services.ts <command> [args…]')
  process.exit(2)
}

const services = await startSharedServices()
const runDir = await mkdtemp(join(tmpdir(), 'uplink-test-run-'))
const child = spawn(command, args, {
  stdio: 'inherit',
  env: {
    ...process.env,
    ...services.env,
    UPLINK_TEST_NODE_VERSION: process.version,
    [RUN_DIR_ENV]: runDir,
  },
})
// Ctrl-C reaches turbo through the terminal's process group; a plain `kill` of us is forwarded.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => child.kill(signal))
}
const code = await new Promise<number>((resolve) => {
  child.on('error', (err) => {
    console.error(`could not run ${command}: ${err.message}`)
    resolve(127)
  })
  child.on('exit', (status, signal) =>
    resolve(status ?? 128 + (signal ? constants.signals[signal] : 0)),
  )
})
await services.stop()
await rm(runDir, { recursive: true, force: true })
process.exit(code)
