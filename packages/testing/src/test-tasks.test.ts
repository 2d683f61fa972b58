import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// `pnpm test` must run every test: CI runs some tasks on one Node only (docs/development.md),
// so a package's test task that the root does not name would silently run nowhere.
const root = fileURLToPath(new URL('../../../', import.meta.url))
const json = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'))
/** Opt-in suites that need what CI does not have (podman as root). */
const OPT_IN = new Set(['test:container'])

const rootTasks = (json('package.json').scripts.test as string)
  .replace(/.*turbo run /, '')
  .split(' ')
const packageTestTasks = ['apps', 'packages', '.']
  .flatMap((dir) =>
    dir === '.' ? ['bench'] : readdirSync(join(root, dir)).map((name) => `${dir}/${name}`),
  )
  .flatMap((dir) => {
    try {
      return Object.keys(json(`${dir}/package.json`).scripts ?? {}).map((task) => ({ dir, task }))
    } catch {
      return []
    }
  })
  .filter(({ task }) => /^test(:|$)/.test(task) && !OPT_IN.has(task))

describe('test tasks', () => {
  it('pnpm test runs every test task a package defines, each one known to turbo', () => {
    const turboTasks = Object.keys(json('turbo.json').tasks)
    for (const { dir, task } of packageTestTasks) {
      expect(rootTasks, `${dir}'s ${task}`).toContain(task)
      expect(turboTasks, `${dir}'s ${task}`).toContain(task)
    }
    expect(packageTestTasks.map((t) => t.task)).toEqual(
      expect.arrayContaining(['test', 'test:browser', 'test:types']),
    )
  })

  it('.ci/run runs lint, typecheck and test on each Node, and the rest of pnpm test once', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8')
    const eachNode = /^EACH_NODE_TASKS=\((.*)\)$/m.exec(ci)?.[1]?.split(' ')
    expect(eachNode).toEqual(['lint', 'typecheck', 'test'])
    expect(rootTasks).toEqual(expect.arrayContaining(eachNode ?? []))
    expect(ci).toMatch(/^run_tests "\$out24" pnpm test /m)
  })
})
