/**
 * The container image, built from the Dockerfile and run (issue #24): it serves, reaches the test
 * Postgres and S3 (`/readyz` 200), runs as the `node` user, and its HEALTHCHECK passes. Opt-in
 * (`pnpm --filter @uplink/server test:container`, UPLINK_TEST_CONTAINER=1): it needs root, podman
 * and debootstrap, and the build takes minutes. No registry is reachable here, so the base image
 * (node:24-bookworm-slim) is made locally by scripts/ensure-node-image.sh; the build installs from
 * the host's pnpm store, mounted, and fetches only what it lacks.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, testDatabase, testServices, waitFor } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pnpmStoreMount, podman, podmanFlags } from './support/podman.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const IMAGE = 'localhost/uplink:test'
const name = `uplink-test-${randomBytes(4).toString('hex')}`
let url = ''

beforeAll(async () => {
  execFileSync('bash', [join(root, 'scripts/ensure-node-image.sh')], { stdio: 'inherit' })
  // --format docker keeps HEALTHCHECK (the OCI format has none); --network host: the registry
  // for what the mounted store lacks.
  const build = ['build', '--format', 'docker', '--pull=never', '--network', 'host']
  await podman([...build, ...podmanFlags(), ...pnpmStoreMount(), '-t', IMAGE, root], 900_000)
  const port = await freePort()
  const { s3 } = testServices()
  const env = {
    PORT: String(port),
    DATABASE_URL: await testDatabase(),
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_BUCKET: s3.bucket,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    UPLINK_JWT_SECRET: randomBytes(24).toString('hex'),
  }
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`])
  // Host networking: the test Postgres and S3 listen on 127.0.0.1.
  await podman([
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'host',
    ...podmanFlags(),
    ...envArgs,
    IMAGE,
  ])
  url = `http://127.0.0.1:${port}`
}, 960_000)

afterAll(async () => {
  await podman(['rm', '-f', '-t', '0', name]).catch(() => {})
})

describe('the container image', () => {
  it('starts and answers /readyz 200 against the test Postgres and S3', async () => {
    let last = 'no answer'
    await waitFor(
      '/readyz 200 from the container',
      async () => {
        const running = await podman(['inspect', '-f', '{{.State.Running}}', name])
        if (running !== 'true') throw new Error(`the container stopped: ${await logs()}`)
        const res = await fetch(`${url}/readyz`).catch(() => undefined)
        last = res ? `${res.status} ${await res.text()}` : 'no answer'
        return res?.status === 200
      },
      120_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; last answer: ${last}; logs: ${await logs()}`)
    })
  }, 150_000)

  it('runs as the node user, not root, and its HEALTHCHECK passes', async () => {
    expect(await podman(['exec', name, 'id', '-u'])).toBe('1000')
    await podman(['healthcheck', 'run', name])
  })
})

const logs = () => podman(['logs', '--tail', '20', name]).catch((err: Error) => err.message)
