/** The answer to a `Range` header for a representation of `size` bytes (RFC 9110 §14). */
export type RangeAnswer =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' }

const SPEC = /^(\d*)-(\d*)$/

/**
 * Reads a `Range` header. Only one range is served: "A server MAY ignore the Range header
 * field" (RFC 9110 §14.2), so several ranges, another unit or bad syntax get the full 200.
 * A suffix `-n` is the last n bytes; an end past the last byte is cut to it (§14.1.2).
 */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: 'full' }
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header)
  if (!match) return { kind: 'full' }
  const specs = match[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (specs.length !== 1) return { kind: 'full' }
  const spec = SPEC.exec(specs[0]!)
  if (!spec) return { kind: 'full' }
  const [, first, last] = spec as unknown as [string, string, string]
  if (first === '' && last === '') return { kind: 'full' }
  if (first === '') {
    // "If the selected representation is shorter than the specified suffix-length, the
    // entire representation is used" (§14.1.2); a zero suffix selects nothing.
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  const end = last === '' ? size - 1 : Number(last)
  // "A byte-range-spec is invalid if the last-pos value is present and less than the
  // first-pos" (§14.1.1): an invalid header is ignored.
  if (last !== '' && end < start) return { kind: 'full' }
  // Satisfiable only if "the first-pos is less than the current length" (§14.1.2).
  if (start >= size) return { kind: 'unsatisfiable' }
  return { kind: 'partial', start, end: Math.min(end, size - 1) }
}
