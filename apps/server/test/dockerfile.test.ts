import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The Dockerfile parsed, and what it copies built for real, in every run; building and running
// the image itself is test:container (container-image.int.test.ts, opt-in: podman, minutes).
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

interface Instruction {
  stage: string
  op: string
  args: string
}

/** Dockerfile instructions (line continuations joined, comments dropped), each with its stage. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ')
  let stage = ''
  const out: Instruction[] = []
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line)
    if (!m || line.trimStart().startsWith('#')) continue
    const [, op, args] = m as unknown as [string, string, string]
    if (op === 'FROM') stage = /\sAS\s+(\S+)/i.exec(args)?.[1] ?? args
    out.push({ stage, op, args: args.trim() })
  }
  return out
}

const dockerfile = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'))
const runtime = dockerfile.filter((i) => i.stage === 'runtime')

// apps/server/dist is built by the global setup (test/support/build-server.ts). The web app is
// built into a directory of this test's own: apps/web/dist may be in use by the browser tests.
const webOut = mkdtempSync(join(tmpdir(), 'uplink-web-dist-'))
beforeAll(() => {
  execFileSync(
    'pnpm',
    ['exec', 'vite', 'build', '--logLevel', 'warn', '--outDir', webOut, '--emptyOutDir'],
    {
      cwd: join(root, 'apps/web'),
      stdio: 'inherit',
    },
  )
}, 120_000)
afterAll(() => rmSync(webOut, { recursive: true, force: true }))

/** Where the build leaves a repo path (apps/web/dist: vite's outDir, built above to webOut). */
function built(inRepo: string): string {
  return inRepo === 'apps/web/dist' ? webOut : join(root, inRepo)
}

describe('Dockerfile', () => {
  it('builds with the lockfile and pnpm build in a build stage', () => {
    const build = dockerfile.filter((i) => i.stage === 'build' && i.op === 'RUN').map((i) => i.args)
    expect(build).toContain('pnpm install --frozen-lockfile')
    expect(build).toContain('pnpm build')
  })

  it('copies into the runtime only paths that exist after the build', () => {
    const copies = runtime.filter((i) => i.op === 'COPY')
    expect(copies.length).toBeGreaterThanOrEqual(3)
    // vite's outDir (dist) is what the Dockerfile copies.
    expect(readFileSync(join(root, 'apps/web/vite.config.ts'), 'utf8')).toContain("outDir: 'dist'")
    expect(existsSync(join(webOut, 'index.html'))).toBe(true)
    for (const copy of copies) {
      const [from, source] = copy.args.split(/\s+/)
      expect(from).toBe('--from=build')
      const inRepo = relative('/app', source!)
      expect(existsSync(built(inRepo)), `${inRepo} (COPY ${copy.args})`).toBe(true)
    }
  })

  it("runs as a non-root user, checks /readyz and starts build's entry file", () => {
    const user = runtime.find((i) => i.op === 'USER')?.args
    expect(user).toBeDefined()
    expect(user).not.toMatch(/^(root|0)$/)
    expect(runtime.find((i) => i.op === 'HEALTHCHECK')?.args).toContain('/readyz')
    expect(runtime.find((i) => i.op === 'ENV')?.args).toContain('UPLINK_PROCESSES=')
    const cmd = JSON.parse(runtime.find((i) => i.op === 'CMD')!.args) as string[]
    const entry = cmd.find((a) => a.endsWith('.js'))!
    expect(entry).toBe('apps/server/dist/main.js')
    expect(existsSync(join(root, entry))).toBe(true)
    // The copy of dist lands where the entry path points (WORKDIR /app).
    expect(runtime.find((i) => i.op === 'WORKDIR')?.args).toBe('/app')
  })

  it('starts the server with the node flags of pnpm start, the heap growing by a fixed factor', () => {
    const cmd = JSON.parse(runtime.find((i) => i.op === 'CMD')!.args) as string[]
    const flags = cmd.slice(
      1,
      cmd.findIndex((a) => a.endsWith('.js')),
    )
    const pkg = JSON.parse(readFileSync(join(root, 'apps/server/package.json'), 'utf8'))
    const start = (pkg.scripts.start as string).split(/\s+/)
    // V8's own factor leaves a small heap's next GC limit within the young generation's size,
    // and a large PATCH then runs a full GC every ~16 MiB of body (docs/operations.md).
    expect(flags).toContain('--heap-growing-percent=300')
    expect(
      start.slice(
        1,
        start.findIndex((a) => a.endsWith('.js')),
      ),
    ).toEqual(flags)
  })
})
