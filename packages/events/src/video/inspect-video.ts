import type { Logger, VideoFacts } from '@uplink/core'
import { posterKey } from '@uplink/core/object-key'
import type { Document } from '@uplink/db'
import type { Storage } from '@uplink/storage'
import { durationInWords } from './duration-words.ts'
import { isJpeg, posterArgs, posterTime } from './poster.ts'
import { isTransientFailure, parseProbe, probeArgs } from './probe.ts'
import { runTool } from './run-tool.ts'

/** Where ffprobe and ffmpeg are, and how long they may run. */
export interface VideoTools {
  /** Path or command name (looked up on PATH); default `ffprobe`. */
  ffprobePath?: string | undefined
  /** Path or command name (looked up on PATH); default `ffmpeg`. */
  ffmpegPath?: string | undefined
  /** Each run is killed after this long (default 60 s). */
  timeoutMs?: number | undefined
}

/** The signed GET the tools read through: long enough for both runs, short enough to be useless later. */
const URL_TTL_SECONDS = 300
const DEFAULT_TIMEOUT_MS = 60_000
/** ffprobe's JSON for a few streams is a few KiB; a file that makes it print more is not a plain video. */
const MAX_PROBE_OUTPUT = 1024 * 1024
/** A 640-px JPEG is tens of KiB. */
const MAX_POSTER_BYTES = 8 * 1024 * 1024

export const NOT_PLAYABLE = 'not a playable video'

export type VideoInspection =
  | { kind: 'facts'; facts: VideoFacts; posterKey: string | null; note?: string }
  | { kind: 'skipped'; note: string }
  | { kind: 'rejected'; reason: string }

/** ffprobe could not give an answer this time (timeout, network); the job is retried. */
export class VideoProbeFailedError extends Error {
  override readonly name = 'VideoProbeFailedError'
}

export interface InspectVideoDeps {
  storage: Pick<Storage, 'presignGet' | 'put'>
  tools: VideoTools
  log: Logger
}

/**
 * Probes a video over a short-lived signed GET (ffprobe reads ranges, never the whole file),
 * checks its duration against the purpose's limit and stores a poster JPEG taken ~10 % in.
 * A missing tool skips its step with a note; a file ffprobe cannot read is `not a playable
 * video`. Timeouts and network errors throw VideoProbeFailedError (retried), and reject on
 * `finalAttempt`.
 */
export async function inspectVideo(
  deps: InspectVideoDeps,
  doc: Pick<Document, 'id' | 'objectKey' | 'purpose' | 'contentType'>,
  limits: { maxDurationSeconds?: number | undefined },
  options: { finalAttempt?: boolean | undefined } = {},
): Promise<VideoInspection> {
  const ffprobe = deps.tools.ffprobePath ?? 'ffprobe'
  const timeoutMs = deps.tools.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const url = await signedUrl(deps, doc)
  const run = await runTool(ffprobe, probeArgs(url, doc.contentType, timeoutMs), {
    timeoutMs,
    maxStdoutBytes: MAX_PROBE_OUTPUT,
  })
  if (run.kind === 'missing') {
    const note = 'video: not inspected (ffprobe is not installed)'
    deps.log.warn({ documentId: doc.id, ffprobe, note }, 'video facts skipped: ffprobe not found')
    return { kind: 'skipped', note }
  }
  const retryable =
    run.kind === 'timeout' || (run.kind === 'failed' && isTransientFailure(run.stderr))
  if (retryable) {
    const why = run.kind === 'timeout' ? `did not finish within ${timeoutMs} ms` : run.stderr.trim()
    if (options.finalAttempt) return { kind: 'rejected', reason: `the video probe failed: ${why}` }
    throw new VideoProbeFailedError(`ffprobe of document ${doc.id} ${why}`)
  }
  const facts = run.kind === 'ok' ? parseProbe(run.stdout.toString('utf8')) : undefined
  if (!facts) {
    deps.log.warn(
      { documentId: doc.id, ffprobe: run.kind, stderr: run.stderr.slice(0, 2000) },
      'ffprobe found no playable video',
    )
    return { kind: 'rejected', reason: NOT_PLAYABLE }
  }

  const max = limits.maxDurationSeconds
  if (max !== undefined && facts.durationSeconds > max) {
    return {
      kind: 'rejected',
      reason: `the video is ${durationInWords(facts.durationSeconds)} long, longer than the ${durationInWords(max)} allowed for purpose "${doc.purpose}"`,
    }
  }
  const poster = await makePoster(deps, doc, facts, timeoutMs)
  return poster.key
    ? { kind: 'facts', facts, posterKey: poster.key }
    : { kind: 'facts', facts, posterKey: null, note: poster.note }
}

/** Extracts and stores the poster; a failure costs the poster only (noted), never the video. */
async function makePoster(
  deps: InspectVideoDeps,
  doc: Pick<Document, 'id' | 'objectKey' | 'contentType'>,
  facts: VideoFacts,
  timeoutMs: number,
): Promise<{ key: string; note?: undefined } | { key?: undefined; note: string }> {
  const ffmpeg = deps.tools.ffmpegPath ?? 'ffmpeg'
  const url = await signedUrl(deps, doc)
  const at = posterTime(facts.durationSeconds)
  const run = await runTool(ffmpeg, posterArgs(url, doc.contentType, at, timeoutMs), {
    timeoutMs,
    maxStdoutBytes: MAX_POSTER_BYTES,
  })
  if (run.kind === 'ok' && isJpeg(run.stdout)) {
    const key = posterKey(doc.objectKey)
    await deps.storage.put({ key, body: run.stdout, contentType: 'image/jpeg' })
    return { key }
  }
  const note =
    run.kind === 'missing'
      ? 'poster: not made (ffmpeg is not installed)'
      : `poster: not made (ffmpeg ${run.kind === 'ok' ? 'wrote no JPEG' : run.kind})`
  deps.log.warn(
    { documentId: doc.id, ffmpeg, result: run.kind, stderr: 'stderr' in run ? run.stderr : '' },
    'video poster skipped',
  )
  return { note }
}

const signedUrl = async (
  deps: InspectVideoDeps,
  doc: Pick<Document, 'objectKey' | 'contentType'>,
) =>
  (
    await deps.storage.presignGet({
      key: doc.objectKey,
      filename: 'video',
      contentType: doc.contentType,
      expiresInSeconds: URL_TTL_SECONDS,
    })
  ).url
