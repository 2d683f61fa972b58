// The little XML S3 answers with (InitiateMultipartUploadResult, CompleteMultipartUploadResult,
// ListPartsResult, Error): flat elements, no attributes read, no namespaces needed.

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** XML character data to text: the five named entities and numeric references. */
export function xmlText(raw: string): string {
  if (!raw.includes('&')) return raw
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return ENTITIES[ref] ?? whole
    const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1))
    return String.fromCodePoint(code)
  })
}

/** Text to XML character data. */
export const xmlEscape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  )

/** The text of the first `<tag>` in `xml` (undefined when absent; `<tag/>` is empty). */
export function xmlValue(xml: string, tag: string): string | undefined {
  const open = xml.indexOf(`<${tag}>`)
  if (open < 0) return xml.includes(`<${tag}/>`) ? '' : undefined
  const start = open + tag.length + 2
  const end = xml.indexOf(`</${tag}>`, start)
  return end < 0 ? undefined : xmlText(xml.slice(start, end))
}

/** The inner XML of every `<tag>…</tag>`, in order. */
export function xmlBlocks(xml: string, tag: string): string[] {
  const blocks: string[] = []
  const open = `<${tag}>`
  const close = `</${tag}>`
  for (let at = xml.indexOf(open); at >= 0; at = xml.indexOf(open, at)) {
    const end = xml.indexOf(close, at)
    if (end < 0) break
    blocks.push(xml.slice(at + open.length, end))
    at = end + close.length
  }
  return blocks
}

/** The name of the document element (`Error`, `ListPartsResult` …). */
export function xmlRoot(xml: string): string | undefined {
  return /<([A-Za-z][\w.-]*)[\s>/]/.exec(xml.replace(/<\?[^>]*\?>/, ''))?.[1]
}
