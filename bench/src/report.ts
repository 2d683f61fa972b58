import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Row {
  measure: string
  value: string
  target?: string
  /** undefined = no target for this line. */
  pass?: boolean
  /** What the parts of this upload carried for S3 to verify; a column when any row has one. */
  checksums?: string
}

/** The machine a result was measured on (the figures mean little without it). */
export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`
}

export function markdownTable(rows: Row[]): string {
  const checksums = rows.some((r) => r.checksums !== undefined)
  const lines = checksums
    ? ['| measure | result | checksums | target | |', '|---|---|---|---|---|']
    : ['| measure | result | target | |', '|---|---|---|---|']
  for (const r of rows) {
    const verdict = r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS'
    const sums = checksums ? ` ${r.checksums ?? ''} |` : ''
    lines.push(`| ${r.measure} | ${r.value} |${sums} ${r.target ?? ''} | ${verdict} |`)
  }
  return lines.join('\n')
}

/** Writes bench/results/<date>.json (gitignored unless asked for). */
export function writeResults(data: unknown): string {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`)
  return file
}
