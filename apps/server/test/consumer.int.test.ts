import { execFile } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { consumerTsc } from './support/consumer-pack.ts'
import { type Harness, startHarness } from './support/harness.ts'

// A new user's view of @uplink/client at run time: the packed tarball installed with npm into a
// project outside the monorepo (no workspace, no @uplink/api or @uplink/db; test/support/
// consumer-pack.ts), its apps run from an ES module project and from a CommonJS one on the Node
// running the test: CI runs this file on Node 22 and 24. What tsc says of the same projects does
// not depend on the Node running it: consumer-types.test.ts, once.
const run = promisify(execFile)

let h: Harness
let dir: string
/** The CommonJS consumer: `"type": "commonjs"`, its imports compiled to require(). */
let cjs: string
let env: NodeJS.ProcessEnv
beforeAll(async () => {
  dir = inject('consumerDir')
  cjs = join(dir, 'cjs')
  // JavaScript only (--noCheck, 0.3 CPU-s): the type checks are consumer-types.test.ts's.
  await Promise.all([
    consumerTsc(dir, ['-p', 'tsconfig.json', '--noCheck']),
    consumerTsc(dir, ['-p', 'tsconfig.json', '--noCheck'], cjs),
  ])
  h = await startHarness()
  env = { ...process.env, UPLINK_URL: h.baseUrl, UPLINK_TOKEN: await h.token('consumer') }
}, 400_000)
afterAll(async () => {
  await h?.close()
})

describe('@uplink/client installed from its tarball outside the monorepo, run on this Node', () => {
  it('runs a CommonJS app: require() loads the client', async () => {
    const { stdout } = await run(process.execPath, [join(cjs, 'dist/app.js')], {
      cwd: cjs,
      env,
    })
    expect(JSON.parse(stdout)).toEqual({ listed: expect.any(Number), missing: 'NOT_FOUND' })
    expect(await readFile(join(cjs, 'dist/app.js'), 'utf8')).toContain('require("@uplink/client")')
  })

  it('runs the docs TypeScript example against a live server: upload, download, list', async () => {
    const work = join(dir, 'work')
    await mkdir(work)
    const { stdout } = await run(process.execPath, [join(dir, 'dist/app.js')], {
      cwd: work,
      env,
    })
    const out = JSON.parse(stdout)
    expect(out).toMatchObject({ status: 'uploaded', listed: true, bytes: 36 })
    expect(await readFile(join(work, 'copy.pdf'), 'utf8')).toBe(
      '%PDF-1.7 hello from an internal app\n',
    )
    const doc = await (await h.client('consumer')).documents.byId.query({ id: out.id })
    expect(doc.filename).toBe('hello.pdf')
  })

  it('its uplink bin runs on plain Node', async () => {
    const bin = join(dir, 'node_modules/@uplink/client/dist/cli.mjs')
    const { stdout } = await run(process.execPath, [bin, 'ls'], { cwd: dir, env })
    expect(stdout).toContain('hello.pdf')
    const viaLink = await run(join(dir, 'node_modules/.bin/uplink'), ['--help'], { cwd: dir, env })
    expect(viaLink.stdout).toContain('Usage: uplink')
  })
})
