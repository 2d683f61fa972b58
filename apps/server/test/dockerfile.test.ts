import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

// No container runtime here: the Dockerfile is parsed, and what it copies is built for real.
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

beforeAll(() => {
  // What the build stage's `pnpm build` produces for the paths the runtime stage copies.
  execFileSync('node', ['build.mjs'], { cwd: join(root, 'apps/server'), stdio: 'inherit' })
  execFileSync('pnpm', ['exec', 'vite', 'build', '--logLevel', 'warn'], {
    cwd: join(root, 'apps/web'),
    stdio: 'inherit',
  })
}, 120_000)

describe('Dockerfile', () => {
  it('builds with the lockfile and pnpm build in a build stage', () => {
    const build = dockerfile.filter((i) => i.stage === 'build' && i.op === 'RUN').map((i) => i.args)
    expect(build).toContain('pnpm install --frozen-lockfile')
    expect(build).toContain('pnpm build')
  })

  it('copies into the runtime only paths that exist after the build', () => {
    const copies = runtime.filter((i) => i.op === 'COPY')
    expect(copies.length).toBeGreaterThanOrEqual(3)
    for (const copy of copies) {
      const [from, source] = copy.args.split(/\s+/)
      expect(from).toBe('--from=build')
      const inRepo = relative('/app', source!)
      expect(existsSync(join(root, inRepo)), `${inRepo} (COPY ${copy.args})`).toBe(true)
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
})
