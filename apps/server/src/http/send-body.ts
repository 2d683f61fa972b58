import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { Response } from 'express'

/** An S3 body that writes itself to a response (the storage's ObjectBody). */
interface SendableBody {
  sendTo(dest: Writable): Promise<void>
}

/**
 * Writes an S3 body to the client with back-pressure, ends the response and resolves once it
 * is sent. S3 failing mid-body destroys the response: the client sees it cut short of its
 * Content-Length, never complete. A client that leaves closes the S3 GET (sendTo's rule).
 */
export async function sendBody(body: SendableBody, res: Response): Promise<void> {
  try {
    await body.sendTo(res)
  } catch (err) {
    res.destroy()
    throw err
  }
  res.end()
  await finished(res)
}
