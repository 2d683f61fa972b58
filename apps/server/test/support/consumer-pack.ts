import { execFile } from 'node:child_process'
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { oncePerRun } from '@uplink/testing/once-per-run'
import type { TestProject } from 'vitest/node'
import { readmeExample } from './readme.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * A project outside the monorepo with the packed @uplink/client installed by npm, the docs'
     * TypeScript example (app.ts) and CHECKS (check.ts) in it, and `cjs/`, the same as a
     * CommonJS project. tsconfig.json (nodenext, emits to dist/), tsconfig.bundler.json.
     */
    consumerDir: string
  }
}

const execFileAsync = promisify(execFile)
/** A safety net only: a loaded machine must not reach it (the suite's nets are 600 s). */
const SAFETY_MS = 600_000

/**
 * `execFile` that fails when its time ran out: a child stopped by the timeout may still exit 0
 * (pnpm does), which execFile takes for success (the "pack left no tarball" of a loaded run).
 */
async function run(file: string, args: string[], options: { cwd: string; timeout?: number }) {
  const timeout = options.timeout ?? SAFETY_MS
  const running = execFileAsync(file, args, { ...options, timeout })
  const result = await running
  if (running.child.killed) {
    throw new Error(
      `${file} ${args.join(' ')} was stopped after ${timeout / 1000} s in ${options.cwd}`,
    )
  }
  return result
}
const clientDir = fileURLToPath(new URL('../../../../packages/client', import.meta.url))
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

/** Packs, installs and writes the consumer projects into `dir`. */
async function prepare(dir: string): Promise<void> {
  // `pnpm pack` runs the package's prepack (the build) and rewrites it as published.
  await run('pnpm', ['pack', '--pack-destination', dir], { cwd: clientDir })
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
    { cwd: dir },
  )
  await writeFile(join(dir, 'app.ts'), readmeExample('typescript-client'))
  await writeFile(join(dir, 'check.ts'), CHECKS)
  for (const [name, compilerOptions] of Object.entries(TSCONFIGS)) {
    await writeFile(
      join(dir, name),
      JSON.stringify({ compilerOptions, files: ['app.ts', 'check.ts'] }),
    )
  }
  const cjs = join(dir, 'cjs')
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
}

/**
 * Vitest global setup of the `consumer` and `types` projects: @uplink/client packed (which
 * builds it) and installed with npm once per test run (7-8 CPU-s), not once per project: in
 * `pnpm test`, `test` and `test:types` share it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const consumer = await oncePerRun('consumer', prepare)
  project.provide('consumerDir', consumer.dir)
  return consumer.release
}

/** Runs TypeScript's compiler of the consumer project on `args` in `cwd`. */
export function consumerTsc(dir: string, args: string[], cwd = dir) {
  return run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), ...args], { cwd })
}
