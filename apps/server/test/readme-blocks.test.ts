import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Every shell block a reader may paste is either run by a test (`<!-- example: name -->`, read
// with readmeExample) or says why not (`<!-- not-run: reason -->`, e.g. production only).

const root = fileURLToPath(new URL('../../../', import.meta.url))
const readmes = [
  'README.md',
  ...['packages', 'apps'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .map((name) => join(dir, name, 'README.md'))
      .filter((path) => existsSync(join(root, path))),
  ),
]

interface ShellBlock {
  file: string
  line: number
  marker: string | undefined
}

function shellBlocks(file: string): ShellBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  const blocks: ShellBlock[] = []
  let inFence = false
  lines.forEach((text, i) => {
    if (!text.startsWith('```')) return
    if (!inFence && /^```(sh|bash|shell|console|zsh)\s*$/.test(text)) {
      blocks.push({ file, line: i + 1, marker: lines[i - 1]?.match(/^<!-- (.*) -->$/)?.[1] })
    }
    inFence = !inFence
  })
  return blocks
}

const testSources = readdirSync(fileURLToPath(new URL('.', import.meta.url)))
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => readFileSync(fileURLToPath(new URL(name, import.meta.url)), 'utf8'))
  .join('\n')

describe('README shell blocks', () => {
  const blocks = readmes.flatMap(shellBlocks)

  it('finds the shell blocks of README.md, packages/*/README.md and apps/*/README.md', () => {
    expect(readmes).toContain('README.md')
    expect(blocks.length).toBeGreaterThan(3)
  })

  it('marks every shell block as run by a test or says why it is not run', () => {
    const unmarked = blocks
      .filter((b) => !/^(example: [a-z0-9-]+|not-run: .+)$/.test(b.marker ?? ''))
      .map((b) => `${b.file}:${b.line}`)
    expect(unmarked, 'put <!-- example: name --> (and run it) or <!-- not-run: why -->').toEqual([])
  })

  it('runs every shell example in a test (readmeExample reads the root README)', () => {
    const examples = blocks.filter((b) => b.marker?.startsWith('example: '))
    for (const b of examples) {
      const name = b.marker?.slice('example: '.length) ?? ''
      expect(b.file, `example ${name}`).toBe('README.md')
      expect(testSources, `no test runs readmeExample('${name}')`).toContain(
        `readmeExample('${name}')`,
      )
    }
  })
})
