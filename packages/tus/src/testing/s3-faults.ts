import { EventEmitter } from 'node:events'
import type { Part } from '@aws-sdk/client-s3'
import type { StoreS3 } from '../store/store-s3.ts'
import { Gate } from './gate.ts'
import { s3Error } from './s3-wire.ts'

export type S3Operation = keyof StoreS3

/** What ListParts reports for a part instead of the truth. */
export type PartReport = Partial<Pick<Part, 'Size' | 'ChecksumCRC32' | 'ChecksumSHA256' | 'ETag'>>

export interface Fault {
  op: S3Operation
  /** Applies to calls whose input passes (default: every call of `op`). */
  when: (input: Record<string, unknown>) => boolean
  times: number
  /** Throws this instead of running the call. */
  error?: Error
  /** Keeps only this many bytes of the body, padded with zeros to its Content-Length. */
  pad?: { keep: number; acknowledge: 'stored' | 'sent' }
  /** Waits for the gate before running the call. */
  gate?: Gate
}

/**
 * How an in-memory S3 misbehaves when told to: fail a call, pad a short body, misreport a part
 * in ListParts, hold a call until the test lets it go. Also records every call.
 */
export class S3Faults {
  /** Every call, in order. */
  readonly calls: { op: S3Operation; input: Record<string, unknown> }[] = []
  private readonly events = new EventEmitter()
  private faults: Fault[] = []
  private readonly reports = new Map<string, PartReport>()

  /** The next `times` calls of `op` (passing `when`) throw `error` (default: a 500) and do nothing. */
  fail(
    op: S3Operation,
    options: { error?: Error; times?: number; when?: Fault['when'] } = {},
  ): void {
    const error = options.error ?? s3Error('InternalError', 500, `${op} failed (injected)`)
    this.faults.push({ op, when: options.when ?? (() => true), times: options.times ?? 1, error })
  }

  /**
   * The next body of `op` (passing `when`) arrives cut after `keep` bytes and is padded with
   * zeros to its Content-Length, stored without checking its checksum or MD5, and acknowledged
   * with the digests of the bytes stored (or, `acknowledge: 'sent'`, with the ones sent).
   */
  pad(
    op: 'uploadPart' | 'putObject',
    keep: number,
    options: { acknowledge?: 'stored' | 'sent'; when?: Fault['when'] } = {},
  ): void {
    const pad = { keep, acknowledge: options.acknowledge ?? 'stored' }
    this.faults.push({ op, when: options.when ?? (() => true), times: 1, pad })
  }

  /** ListParts reports part `partNumber` of `key` with these values instead of the stored ones. */
  report(key: string, partNumber: number, report: PartReport): void {
    this.reports.set(`${key}#${partNumber}`, report)
  }

  /** Calls of `op` (passing `when`) wait until the returned gate is opened. */
  hold(op: S3Operation, when: Fault['when'] = () => true): Gate {
    const gate = new Gate()
    this.faults.push({ op, when, times: Number.POSITIVE_INFINITY, gate })
    return gate
  }

  /** Resolves once `op` has been called `count` times in all. */
  called(op: S3Operation, count = 1): Promise<void> {
    const reached = () => this.calls.filter((c) => c.op === op).length >= count
    if (reached()) return Promise.resolve()
    return new Promise((resolve) => {
      const check = () => {
        if (!reached()) return
        this.events.off('call', check)
        resolve()
      }
      this.events.on('call', check)
    })
  }

  /** What ListParts reports of part `partNumber` of `key` instead of the truth, if told. */
  protected reported(key: string, partNumber: number): PartReport | undefined {
    return this.reports.get(`${key}#${partNumber}`)
  }

  /** Records the call, waits at a closed gate, applies the first fault that matches it. */
  protected async enter(op: S3Operation, input: object): Promise<Fault | undefined> {
    const record = input as Record<string, unknown>
    this.calls.push({ op, input: record })
    this.events.emit('call')
    const matches = (f: Fault) => f.op === op && f.times > 0 && f.when(record)
    const held = this.faults.find((f) => f.gate && !f.gate.isOpen && matches(f))
    if (held?.gate) {
      held.gate.arrive()
      await held.gate.opened
    }
    const fault = this.faults.find((f) => !f.gate && matches(f))
    this.faults = this.faults.filter((f) => !f.gate?.isOpen)
    if (!fault) return undefined
    fault.times--
    this.faults = this.faults.filter((f) => f.times > 0)
    if (fault.error) throw fault.error
    return fault
  }
}
