import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'
import { readmeExample } from './support/readme.ts'

// A new user's view of @uplink/client: the packed tarball installed with npm into a project
// outside the monorepo (no workspace, no @uplink/api or @uplink/db), typechecked with
// skipLibCheck off (the declarations must stand alone) and run, from an ES module project and from
// a CommonJS one. Everything runs on the Node running the test: CI's `pnpm test` runs on 22 and 24.
const run = promisify(execFile)
const clientDir = fileURLToPath(new URL('../../../packages/client', import.meta.url))
const require = createRequire(import.meta.url)
const version = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version

/** Type assertions that fail if the client's types degrade to `any`. */
const CHECKS = `import type { UplinkClient } from '@uplink/client'

type Doc = Awaited<ReturnType<UplinkClient['trpc']['documents']['byId']['query']>>
export const size: Doc['size'] = 1
// @ts-expect-error: a document's size is a number
export const bad: Doc['size'] = 'one'
type PresignInput = Parameters<UplinkClient['trpc']['uploads']['presignPut']['mutate']>[0]
// @ts-expect-error: presignPut needs filename, contentType and size too
export const input: PresignInput = { purpose: 'document' }
`
const base = { target: 'ES2022', strict: true, skipLibCheck: false, types: ['node'] }
const TSCONFIGS = {
  'tsconfig.json': { ...base, module: 'nodenext', moduleResolution: 'nodenext', outDir: 'dist' },
  'tsconfig.bundler.json': {
    ...base,
    module: 'preserve',
    moduleResolution: 'bundler',
    noEmit: true,
  },
}

let h: Harness
let dir: string
/** The CommonJS consumer: `"type": "commonjs"`, its imports compiled to require(). */
let cjs: string
let env: NodeJS.ProcessEnv
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uplink-consumer-'))
  // `pnpm pack` runs the package's prepack (the build) and rewrites it as published.
  await run('pnpm', ['pack', '--pack-destination', dir], { cwd: clientDir, timeout: 180_000 })
  const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error(`pnpm pack left no tarball in ${dir}`)
  await writeFile(
    join(dir, 'package.json'),
    '{ "name": "consumer", "private": true, "type": "module" }\n',
  )
  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      `./${tarball}`,
      `typescript@${version('typescript')}`,
      `@types/node@${version('@types/node')}`,
    ],
    { cwd: dir, timeout: 180_000 },
  )
  await writeFile(join(dir, 'app.ts'), readmeExample('typescript-client'))
  await writeFile(join(dir, 'check.ts'), CHECKS)
  for (const [name, compilerOptions] of Object.entries(TSCONFIGS)) {
    await writeFile(
      join(dir, name),
      JSON.stringify({ compilerOptions, files: ['app.ts', 'check.ts'] }),
    )
  }
  cjs = join(dir, 'cjs')
  await mkdir(cjs)
  await writeFile(
    join(cjs, 'package.json'),
    '{ "name": "consumer-cjs", "private": true, "type": "commonjs" }\n',
  )
  await writeFile(join(cjs, 'app.ts'), readmeExample('typescript-client-cjs'))
  await writeFile(join(cjs, 'check.ts'), CHECKS)
  await writeFile(
    join(cjs, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: TSCONFIGS['tsconfig.json'], files: ['app.ts', 'check.ts'] }),
  )
  await symlink(join(dir, 'node_modules'), join(cjs, 'node_modules'))
  h = await startHarness()
  env = { ...process.env, UPLINK_URL: h.baseUrl, UPLINK_TOKEN: await h.token('consumer') }
}, 400_000)
afterAll(async () => {
  await h?.close()
  await rm(dir, { recursive: true, force: true })
})

const tsc = (project: string, cwd = dir) =>
  run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', project], {
    cwd,
    timeout: 120_000,
  })

describe('@uplink/client installed from its tarball outside the monorepo', () => {
  it('ships built JavaScript and declarations with no workspace dependencies', async () => {
    const pkgDir = join(dir, 'node_modules/@uplink/client')
    const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8'))
    expect(Object.keys(pkg.dependencies).sort()).toEqual([
      '@trpc/client',
      '@trpc/server',
      'mime-types',
      'tus-js-client',
      'zod',
    ])
    expect(JSON.stringify(pkg.dependencies)).not.toMatch(/workspace:|@uplink\//)
    // require(esm): the same ES module build for both conditions (Node >= 22.12, the engines).
    expect(pkg.exports['.']).toEqual({
      types: expect.stringMatching(/\.d\.ts$/),
      import: './dist/index.mjs',
      require: './dist/index.mjs',
    })
    const files = await readdir(pkgDir, { recursive: true })
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])
    // No server-side declarations: the router's context is opaque, db and storage are not shipped.
    expect(files.filter((f) => /^dist\/types\/(db|storage|uploads)\//.test(f))).toEqual([])
  })

  it('typechecks a strict app with moduleResolution nodenext, wrong procedure names refused', async () => {
    await tsc('tsconfig.json')
  })

  it('typechecks the same app with moduleResolution bundler', async () => {
    await tsc('tsconfig.bundler.json')
  })

  it('typechecks a CommonJS app (skipLibCheck off) and runs it: require() loads the client', async () => {
    await tsc('tsconfig.json', cjs)
    const { stdout } = await run(process.execPath, [join(cjs, 'dist/app.js')], {
      cwd: cjs,
      env,
      timeout: 60_000,
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
      timeout: 60_000,
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
    const { stdout } = await run(process.execPath, [bin, 'ls'], { cwd: dir, env, timeout: 60_000 })
    expect(stdout).toContain('hello.pdf')
    const viaLink = await run(join(dir, 'node_modules/.bin/uplink'), ['--help'], { cwd: dir, env })
    expect(viaLink.stdout).toContain('Usage: uplink')
  })
})
