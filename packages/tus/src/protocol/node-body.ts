import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Server } from '@tus/server'
import { type CancellationContext, ERRORS, StreamLimiter, type Upload } from '@tus/utils'
import { NodeRequest } from 'srvx/node'

/**
 * A PATCH body left as the Node request it came in. @tus/server reads `request.body` as a web
 * ReadableStream and turns it back into a Node stream: two adapters and a few promises per
 * 64 KiB chunk, about a tenth of the server's CPU per GiB. A PATCH handed to @tus/server by
 * `nodeRequest` carries this instead, and `readNodeBodies` makes its PATCH handler read the
 * IncomingMessage directly.
 */
class NodeBody {
  constructor(readonly req: IncomingMessage) {}
}

/** The srvx request @tus/server gets for a Node request; a PATCH's body stays a Node stream. */
export function nodeRequest(req: IncomingMessage, res: ServerResponse): Request {
  const request = new NodeRequest({ req, res })
  if (req.method === 'PATCH') {
    Object.defineProperty(request, 'body', { value: new NodeBody(req), configurable: true })
  }
  return request
}

type WriteToStore = (
  body: ReadableStream | null,
  upload: Upload,
  maxFileSize: number,
  context: CancellationContext,
) => Promise<number>

/**
 * Makes the server's PATCH handler read a `NodeBody` from the IncomingMessage; any other body
 * (a web Request given to handleWeb) goes through @tus/server's own path. The stream handling
 * is @tus/server's `writeToStore` (2.4) without the web stream in between, and with one stream
 * where it has two (a PassThrough, then a StreamLimiter): the body is piped into a
 * StreamLimiter, so a failing store never destroys the request (the client still gets its
 * answer), and is cut at `maxFileSize`.
 */
export function readNodeBodies(server: Server): void {
  const handler = server.handlers.PATCH as unknown as { writeToStore: WriteToStore }
  const store = server.datastore
  const original = handler.writeToStore.bind(handler)
  handler.writeToStore = async (body, upload, maxFileSize, context) => {
    if (!((body as unknown) instanceof NodeBody))
      return original(body, upload, maxFileSize, context)
    const source: Readable = (body as unknown as NodeBody).req
    if (context.signal.aborted) throw ERRORS.ABORTED
    const proxy = new StreamLimiter(maxFileSize)
    let sourceError: unknown
    let hasSourceError = false
    const onSourceError = (error: Error) => {
      sourceError = error
      hasSourceError = true
      source.unpipe(proxy)
      if (!context.signal.aborted) proxy.destroy(error)
    }
    source.on('error', onSourceError)
    // Gracefully end the proxy when the request is aborted.
    const onAbort = () => {
      source.unpipe(proxy)
      if (!proxy.destroyed) proxy.end()
    }
    context.signal.addEventListener('abort', onAbort, { once: true })
    try {
      let written = 0
      await pipeline(source.pipe(proxy), async (stream) => {
        written = await store.write(stream as Readable, upload.id, upload.offset)
      })
      return written
    } catch (error) {
      source.unpipe(proxy)
      const isSourceError = hasSourceError && error === sourceError
      const isAbortError = error instanceof Error && error.name === 'AbortError'
      throw isSourceError || isAbortError ? ERRORS.ABORTED : error
    } finally {
      // The error listener stays: the request may still fail, with no other listener left.
      context.signal.removeEventListener('abort', onAbort)
    }
  }
}
