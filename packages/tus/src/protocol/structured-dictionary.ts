/**
 * A Dictionary structured field (RFC 8941 §4.2.2) read far enough to find its members: each
 * member's key and, when it is a Byte Sequence, its base64 text. Other values (integers,
 * strings, tokens, booleans, inner lists, parameters) are checked for syntax and skipped.
 * Returns undefined when the field is not a valid Dictionary ("fail parsing").
 */
export function dictionaryByteSequences(field: string): Map<string, string | null> | undefined {
  const members = new Map<string, string | null>()
  const p = new Reader(field)
  p.skip(' ')
  if (p.done()) return members
  for (;;) {
    const key = p.key()
    if (key === undefined) return undefined
    let value: string | null | undefined = null
    if (p.eat('=')) {
      value = p.peek() === '(' ? p.innerList() : p.bareItem()
      if (value === undefined) return undefined
    }
    if (!p.params()) return undefined
    // RFC 8941: a key seen again overwrites the earlier value.
    members.set(key, value)
    p.skip(' \t')
    if (p.done()) return members
    if (!p.eat(',')) return undefined
    p.skip(' \t')
    if (p.done()) return undefined
  }
}

const KEY_FIRST = /[a-z*]/
const KEY_REST = /[a-z0-9_\-.*]/
const TOKEN_REST = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/

class Reader {
  #at = 0
  constructor(private readonly text: string) {}

  done = () => this.#at >= this.text.length
  peek = () => this.text[this.#at] ?? ''
  eat(c: string): boolean {
    if (this.peek() !== c) return false
    this.#at++
    return true
  }
  skip(chars: string): void {
    while (!this.done() && chars.includes(this.peek())) this.#at++
  }
  #run(allowed: RegExp): string {
    const start = this.#at
    while (!this.done() && allowed.test(this.peek())) this.#at++
    return this.text.slice(start, this.#at)
  }

  key(): string | undefined {
    if (!KEY_FIRST.test(this.peek())) return undefined
    return this.#run(KEY_REST)
  }

  /** A Byte Sequence's base64 text, null for any other valid item, undefined when invalid. */
  bareItem(): string | null | undefined {
    const c = this.peek()
    if (c === ':') {
      this.#at++
      const base64 = this.#run(/[A-Za-z0-9+/=]/)
      return this.eat(':') ? base64 : undefined
    }
    if (c === '"') {
      this.#at++
      for (;;) {
        const ch = this.peek()
        this.#at++
        if (ch === '"') return null
        if (ch === '\\' && !'"\\'.includes(this.text[this.#at++] ?? 'x')) return undefined
        if (ch === '' || ch < ' ' || ch > '~') return undefined
      }
    }
    if (c === '?') {
      this.#at++
      return this.eat('0') || this.eat('1') ? null : undefined
    }
    if (c === '-' || /[0-9]/.test(c)) {
      this.eat('-')
      return /^\d{1,15}(\.\d{1,3})?$/.test(this.#run(/[0-9.]/)) ? null : undefined
    }
    if (/[A-Za-z*]/.test(c)) {
      this.#at++
      this.#run(TOKEN_REST)
      return null
    }
    return undefined
  }

  innerList(): null | undefined {
    this.#at++
    for (;;) {
      this.skip(' ')
      if (this.eat(')')) return null
      if (this.bareItem() === undefined || !this.params()) return undefined
      if (this.peek() !== ' ' && this.peek() !== ')') return undefined
    }
  }

  params(): boolean {
    while (this.eat(';')) {
      this.skip(' ')
      if (this.key() === undefined) return false
      if (this.eat('=') && this.bareItem() === undefined) return false
    }
    return true
  }
}
