import { describe, expect, it } from 'vitest'
import { UploadDigests } from './upload-digests.ts'

/** A worker stand-in whose digests settle only when the test says so, recording what it is asked. */
function gatedHashing() {
  const events: string[] = []
  const asked = new Map<string, { promise: Promise<() => void>; resolve(s: () => void): void }>()
  const slot = (name: string) => {
    let entry = asked.get(name)
    if (!entry) {
      let resolve!: (settle: () => void) => void
      const promise = new Promise<() => void>((r) => {
        resolve = r
      })
      entry = { promise, resolve }
      asked.set(name, entry)
    }
    return entry
  }
  const ask = (name: string) => {
    events.push(`asked ${name}`)
    return new Promise<string>((resolve) =>
      slot(name).resolve(() => {
        events.push(`hashed ${name}`)
        resolve(name)
      }),
    )
  }
  return {
    events,
    /** Lets the digest of `name` settle, once it has been asked for. */
    settle: async (name: string) => (await slot(name).promise)(),
    hashing: {
      piece: (start: number, end: number) => ask(`${start}-${end}`),
      whole: () => ask('whole'),
    },
  }
}

describe('UploadDigests (the integrity headers of each PATCH, hashed while the file uploads)', () => {
  it('hashes the next body while this one is sent, and the whole file only for the last PATCH', async () => {
    const { events, settle, hashing } = gatedHashing()
    const digests = new UploadDigests(25, 10, hashing)

    const first = digests.headers(0)
    // Both this body and the next are asked for before the first PATCH can go.
    expect(events).toEqual(['asked 0-10', 'asked 10-20'])
    await settle('0-10')
    // The first PATCH goes with its own digest, while the next body is still being hashed.
    expect(await first).toEqual({ 'Upload-Checksum': 'crc32 0-10' })
    expect(events).not.toContain('hashed 10-20')

    await settle('10-20')
    const second = digests.headers(10)
    await settle('20-25')
    expect(await second).toEqual({ 'Upload-Checksum': 'crc32 10-20' })

    const last = digests.headers(20)
    await settle('whole')
    expect(await last).toEqual({
      'Upload-Checksum': 'crc32 20-25',
      'Repr-Digest': 'sha-256=:whole:',
    })
    // Each body asked for once, in file order, the whole file's digest last.
    expect(events.filter((e) => e.startsWith('asked'))).toEqual([
      'asked 0-10',
      'asked 10-20',
      'asked 20-25',
      'asked whole',
    ])
  })

  it('after a resume at another offset, hashes the body tus sends from there', async () => {
    const { events, settle, hashing } = gatedHashing()
    const digests = new UploadDigests(25, 10, hashing)
    const resumed = digests.headers(13)
    await settle('13-23')
    expect(await resumed).toEqual({ 'Upload-Checksum': 'crc32 13-23' })
    const last = digests.headers(23)
    await settle('23-25')
    await settle('whole')
    expect(await last).toEqual({
      'Upload-Checksum': 'crc32 23-25',
      'Repr-Digest': 'sha-256=:whole:',
    })
    expect(events.filter((e) => e.startsWith('asked'))).toEqual([
      'asked 13-23',
      'asked 23-25',
      'asked whole',
    ])
  })

  it('a file of one PATCH declares its whole digest on that PATCH', async () => {
    const { settle, hashing } = gatedHashing()
    const only = new UploadDigests(7, 10, hashing).headers(0)
    await settle('0-7')
    await settle('whole')
    expect(await only).toEqual({
      'Upload-Checksum': 'crc32 0-7',
      'Repr-Digest': 'sha-256=:whole:',
    })
  })
})
