import { inputOptions } from './probe.ts'

/** Posters are at most this wide (height follows the aspect ratio, kept even). */
export const POSTER_MAX_WIDTH = 640

/** Where in the video the poster is taken: 10 % in, past black openings and fades. */
export const posterTime = (durationSeconds: number) => durationSeconds * 0.1

/**
 * `ffmpeg` arguments for one JPEG frame on stdout. `-ss` before `-i` is input seeking: "seeks
 * in this input file to position", so only the bytes around that point are fetched.
 */
export function posterArgs(
  url: string,
  contentType: string,
  atSeconds: number,
  rwTimeoutMs: number,
): string[] {
  return [
    '-v',
    'error',
    '-nostdin',
    '-ss',
    atSeconds.toFixed(3),
    ...inputOptions(contentType, rwTimeoutMs),
    '-i',
    url,
    '-frames:v',
    '1',
    '-an',
    '-vf',
    `scale='min(${POSTER_MAX_WIDTH},iw)':-2`,
    '-c:v',
    'mjpeg',
    '-q:v',
    '4',
    '-f',
    'image2pipe',
    'pipe:1',
  ]
}

/** JPEG files start with SOI followed by a marker: FF D8 FF. */
export const isJpeg = (bytes: Uint8Array) =>
  bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff
