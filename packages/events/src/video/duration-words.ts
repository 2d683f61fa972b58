const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`

/**
 * A duration as people say it, to a tenth of a second: 3725.42 → "1 hour 2 minutes 5.4 seconds",
 * 600 → "10 minutes" (zero units are left out).
 */
export function durationInWords(seconds: number): string {
  const tenths = Math.round(seconds * 10)
  const hours = Math.floor(tenths / 36_000)
  const minutes = Math.floor((tenths % 36_000) / 600)
  const rest = (tenths % 600) / 10
  const parts: string[] = []
  if (hours) parts.push(plural(hours, 'hour'))
  if (minutes) parts.push(plural(minutes, 'minute'))
  if (rest || !parts.length) parts.push(plural(rest, 'second'))
  return parts.join(' ')
}
