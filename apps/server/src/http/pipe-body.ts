import type { ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { finished } from 'node:stream/promises'

/** Bytes a response may hold unsent before the source is paused (back-pressure). */
export const PIPE_BODY_LIMIT = 1024 * 1024

/**
 * Streams `body` (an S3 GET's bytes) into `res` and resolves once the response is finished.
 * An error on either side, or the client going away, destroys both and rejects.
 *
 * Why not `pipeline(body, res)`: the S3 socket delivers 64 KiB chunks, and a response's 16 KiB
 * high-water mark made every write report back-pressure, so each chunk cost a pause/resume of
 * the S3 socket and a write syscall of its own. Here the chunks that arrive in one turn of the
 * event loop go out in one writev (the response is corked until `setImmediate`), and reading
 * stops only while more than `limit` bytes wait for the client: memory stays bounded by
 * `limit` plus one turn's reads, whatever the size of the object.
 */
export async function pipeBody(
  body: Readable,
  res: ServerResponse,
  limit: number = PIPE_BODY_LIMIT,
): Promise<void> {
  let corked = false
  const uncork = () => {
    corked = false
    res.uncork()
  }
  const onDrain = () => body.resume()
  const onData = (chunk: Buffer) => {
    if (!corked) {
      corked = true
      res.cork()
      setImmediate(uncork)
    }
    res.write(chunk)
    if (res.writableLength >= limit && !body.isPaused()) {
      body.pause()
      res.once('drain', onDrain)
    }
  }
  const onEnd = () => res.end()
  body.on('data', onData)
  body.once('end', onEnd)
  try {
    await Promise.all([finished(body), finished(res)])
  } catch (err) {
    body.destroy()
    res.destroy()
    throw err
  } finally {
    body.off('data', onData)
    body.off('end', onEnd)
    res.off('drain', onDrain)
  }
}
