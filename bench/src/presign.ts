import {
  createObjectSigner,
  createPresigner,
  type ObjectSigner,
  type PresignFn,
  type PresignInput,
  presignGet,
  presignPut,
  presignUploadPart,
} from '@uplink/storage/signing'
import type { Row } from './report.ts'
import { createSmithyPresigner } from './smithy-presigner.ts'
import { MiB, median, round } from './stats.ts'

/** Signing is local: any endpoint will do, nothing is sent. */
const config = {
  endpoint: 'http://127.0.0.1:7070',
  region: 'us-east-1',
  bucket: 'uplink',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret-key-not-a-real-one' },
}
const SHA256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='
const key = (i: number) =>
  `bench-user/document/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`

/** The three URLs Uplink signs, each as production signs it (storage's presign functions). */
const KINDS: Record<string, (signer: ObjectSigner, i: number) => Promise<unknown>> = {
  PUT: (signer, i) =>
    presignPut(signer, { key: key(i), contentType: 'application/pdf', size: MiB, sha256: SHA256 }),
  GET: (signer, i) =>
    presignGet(signer, {
      key: key(i),
      filename: 'report 2026.pdf',
      contentType: 'application/pdf',
    }),
  part: (signer, i) =>
    presignUploadPart(signer, {
      key: key(i),
      uploadId: 'bench-upload-id',
      partNumber: (i % 10_000) + 1,
      size: 16 * MiB,
      sha256: SHA256,
    }),
}

const SIGNERS = {
  'hand-written': createPresigner(config.credentials, config.region),
  '@smithy/signature-v4': createSmithyPresigner(config.credentials, config.region),
} satisfies Record<string, PresignFn>
type SignerName = keyof typeof SIGNERS

/** Throws unless two signers give the same URL, byte for byte, for every kind. */
export async function checkSameUrls(
  a: PresignFn = SIGNERS['hand-written'],
  b: PresignFn = SIGNERS['@smithy/signature-v4'],
): Promise<void> {
  const both: PresignFn = async (input: PresignInput) => {
    const [x, y] = [await a(input), await b(input)]
    if (x !== y) throw new Error(`the two signers disagree on ${input.method}:\n${x}\n${y}`)
    return x
  }
  const signer = createObjectSigner(config, undefined, () => both)
  for (const sign of Object.values(KINDS)) await sign(signer, 7)
}

/**
 * CPU microseconds (this process, user + system) to sign URLs `from` … `to - 1` of one kind:
 * unlike wall time, it does not count the moments other processes had the core.
 */
async function timeBatch(signer: ObjectSigner, kind: string, from: number, to: number) {
  const sign = KINDS[kind]!
  const started = process.cpuUsage()
  for (let i = from; i < to; i++) await sign(signer, i)
  const { user, system } = process.cpuUsage(started)
  return user + system
}

/** Small batches, taking turns, so a busy neighbour slows both signers alike. */
const BATCH = 250

export interface PresignResult {
  urls: number
  rounds: number
  /** CPU µs per URL, per kind, per signer, one figure (the median batch) per round. */
  runs: Record<string, Record<SignerName, number[]>>
  median: Record<string, Record<SignerName, number>>
  /** How much slower the slower signer is over all kinds, in %. */
  differencePercent: number
  decision: string
}

/**
 * Presigned PUT, GET and part URLs through our URL builder with each signer, in one process and
 * one run, taking turns in small batches.
 * The rule (issue 13): keep the faster if the difference is > 20 %, otherwise use the library.
 */
export async function runPresign(
  options: { urls: number; rounds: number },
  say: (text: string) => void,
): Promise<{ rows: Row[]; results: PresignResult }> {
  if (options.urls < BATCH) throw new Error(`--presign-urls must be at least ${BATCH}`)
  // If the signers disagreed, the race would mean nothing.
  await checkSameUrls()
  const names = Object.keys(SIGNERS) as SignerName[]
  const signers = Object.fromEntries(
    names.map((n) => [n, createObjectSigner(config, undefined, () => SIGNERS[n])]),
  ) as Record<SignerName, ObjectSigner>
  const kinds = Object.keys(KINDS)
  // Warm-up: let the JIT settle on both paths before anything counts.
  for (const n of names) for (const k of kinds) await timeBatch(signers[n], k, 0, options.urls / 10)

  const runs = Object.fromEntries(
    kinds.map((k) => [k, Object.fromEntries(names.map((n) => [n, [] as number[]]))]),
  ) as PresignResult['runs']
  for (let r = 0; r < options.rounds; r++) {
    for (const k of kinds) {
      const batches = Object.fromEntries(names.map((n) => [n, [] as number[]]))
      for (let from = 0, b = 0; from + BATCH <= options.urls; from += BATCH, b++) {
        for (const n of b % 2 === 0 ? names : [...names].reverse()) {
          batches[n]!.push((await timeBatch(signers[n], k, from, from + BATCH)) / BATCH)
        }
      }
      // The median batch: one that a descheduled moment slowed does not count.
      for (const n of names) runs[k]![n].push(median(batches[n]!))
    }
    const figures = kinds.flatMap((k) =>
      names.map((n) => `${k} ${n} ${round(runs[k]![n].at(-1)!, 2)}`),
    )
    say(`presign round ${r + 1} (CPU µs/URL): ${figures.join(', ')}`)
  }

  const medians = Object.fromEntries(
    kinds.map((k) => [k, Object.fromEntries(names.map((n) => [n, median(runs[k]![n])]))]),
  ) as PresignResult['median']
  const total = (n: SignerName) => kinds.reduce((sum, k) => sum + medians[k]![n], 0)
  const [ours, library] = names as [SignerName, SignerName]
  const faster = total(ours) < total(library) ? ours : library
  const slower = faster === ours ? library : ours
  const differencePercent = (total(slower) / total(faster) - 1) * 100
  const decision = differencePercent > 20 ? `keep ${faster}` : `use ${library}`

  const rows: Row[] = kinds.map((k) => ({
    measure: `presign ${k}, ${options.urls.toLocaleString('en')} URLs (median of ${options.rounds})`,
    value: names.map((n) => `${n} ${round(medians[k]![n], 2)} CPU µs/URL`).join(', '),
  }))
  rows.push({
    measure: 'presign, all three kinds',
    value: `${slower} ${round(differencePercent, 1)} % slower than ${faster} → ${decision}`,
    target: 'library unless > 20 % slower',
  })
  return {
    rows,
    results: {
      urls: options.urls,
      rounds: options.rounds,
      runs,
      median: medians,
      differencePercent,
      decision,
    },
  }
}
