import type { VideoFacts } from '@uplink/core'
import { z } from 'zod'

/**
 * Options every run over a signed URL gets: only network protocols (never `file:`), so a
 * crafted container cannot make the tool read local files, and a bound on each network read
 * ("rw_timeout: maximum time to wait for (network) read/write operations", in µs).
 */
export function inputOptions(contentType: string, rwTimeoutMs: number): string[] {
  const demuxer = DEMUXERS[contentType]
  return [
    '-protocol_whitelist',
    'http,https,tcp,tls',
    '-rw_timeout',
    String(rwTimeoutMs * 1000),
    // The sniff proved the container; do not let the tool guess another format.
    ...(demuxer ? ['-f', demuxer] : []),
  ]
}

/** ffmpeg's demuxer for each container the `video` policy admits. */
const DEMUXERS: Record<string, string> = {
  'video/mp4': 'mov',
  'video/quicktime': 'mov',
  'video/webm': 'matroska',
  'video/x-matroska': 'matroska',
}

/** `ffprobe` arguments: the format and every stream, as JSON on stdout. */
export function probeArgs(url: string, contentType: string, rwTimeoutMs: number): string[] {
  return [
    '-v',
    'error',
    ...inputOptions(contentType, rwTimeoutMs),
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    '-i',
    url,
  ]
}

const probeOutput = z.object({
  streams: z
    .array(
      z.object({
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        disposition: z.object({ attached_pic: z.number().optional() }).optional(),
      }),
    )
    .default([]),
  format: z.object({ duration: z.string().optional(), bit_rate: z.string().optional() }).optional(),
})

/**
 * The facts in ffprobe's JSON, or undefined when it describes no playable video: no video
 * stream (cover art — `attached_pic` — does not count), no size, or no duration.
 */
export function parseProbe(stdout: string): VideoFacts | undefined {
  let json: unknown
  try {
    json = JSON.parse(stdout)
  } catch {
    return undefined
  }
  const parsed = probeOutput.safeParse(json)
  if (!parsed.success) return undefined
  const { streams, format } = parsed.data
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1)
  const audio = streams.find((s) => s.codec_type === 'audio')
  const duration = Number(format?.duration)
  const bitrate = Number.parseInt(format?.bit_rate ?? '', 10)
  if (!video?.codec_name || !positiveInt(video.width) || !positiveInt(video.height))
    return undefined
  if (!Number.isFinite(duration) || duration <= 0) return undefined
  return {
    durationSeconds: duration,
    width: video.width,
    height: video.height,
    videoCodec: video.codec_name,
    audioCodec: audio?.codec_name ?? null,
    bitrate: Number.isFinite(bitrate) && bitrate > 0 ? bitrate : null,
  }
}

const positiveInt = (n: number | undefined): n is number => Number.isInteger(n) && (n ?? 0) > 0

/** stderr that says the network or S3 failed, not the file: worth another attempt. */
export function isTransientFailure(stderr: string): boolean {
  return /Server returned (4\d\d|5\d\d)|Connection refused|Connection timed out|Network is unreachable|Connection reset/i.test(
    stderr,
  )
}
