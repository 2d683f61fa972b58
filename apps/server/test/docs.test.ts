import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docFiles, repoRoot } from './support/readme.ts'

// The README is a front page; the handbook is docs/*.md. Links between them must not rot when
// a section moves, so every relative link and #anchor is checked here.

const packageReadmes = ['packages', 'apps'].flatMap((dir) =>
  readdirSync(join(repoRoot, dir))
    .map((name) => join(dir, name, 'README.md'))
    .filter((path) => existsSync(join(repoRoot, path))),
)

/** Markdown outside fenced code blocks (a link inside an example is not a link). */
function prose(file: string): string {
  let inFence = false
  return readFileSync(join(repoRoot, file), 'utf8')
    .split('\n')
    .filter((line) => {
      if (line.startsWith('```')) inFence = !inFence
      return !inFence && !line.startsWith('```')
    })
    .join('\n')
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const [, heading] of prose(file).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (heading ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    out.add(n ? `${slug}-${n}` : slug)
  }
  return out
}

function brokenLinks(file: string): string[] {
  const broken: string[] = []
  for (const [, target] of prose(file).matchAll(/\]\(([^)\s]+)\)/g)) {
    // Screenshots the browser tests write (gitignored) exist only after those tests ran.
    if (!target || /^[a-z]+:/.test(target) || target.includes('e2e/artifacts/')) continue
    const [path, anchor] = target.split('#') as [string, string | undefined]
    const resolved = path ? normalize(join(dirname(file), path)) : file
    if (!existsSync(join(repoRoot, resolved))) broken.push(`${file}: ${target} (no such file)`)
    else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) {
      broken.push(`${file}: ${target} (no such heading)`)
    }
  }
  return broken
}

describe('README and docs', () => {
  it('keeps the README a front page of at most 150 lines with the two quick-start commands', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(150)
    expect(readme).toContain('pnpm dev')
    expect(readme).toContain('pnpm test')
  })

  it('links every docs/*.md and package README from the README', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
    for (const file of [...docFiles().slice(1), ...packageReadmes]) {
      expect(readme, `README.md does not link ${file}`).toContain(`](${file})`)
    }
  })

  it('has docs/architecture.md, which code comments cite', () => {
    expect(docFiles()).toContain('docs/architecture.md')
  })

  it('resolves every relative link and #anchor of README.md, docs/*.md and the package READMEs', () => {
    const broken = [...docFiles(), ...packageReadmes].flatMap(brokenLinks)
    expect(broken).toEqual([])
  })
})
